/**
 * The AWS side of the operator's queues, which the local stack cannot run (no SQS emulator has
 * message move tasks): `SqsQueueOperations` against a fake SQS that keeps messages per queue and
 * models a move task as AWS documents it — one running task per source queue, moved back to the
 * queue each message came from (no DestinationArn). Counts come from GetQueueAttributes; a redrive
 * of an empty DLQ starts nothing; one while a task runs is reported, not started twice, even when
 * another operator starts one between the check and the start.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueueOperations } from '../../shared/adapters/aws/sqs-queues.js';

type Cmd = { constructor: { name: string }; input: Record<string, unknown> };
const URL = (name: string) => `https://sqs.eu-central-1.amazonaws.com/123456789012/${name}`;
const ARN = (name: string) => `arn:aws:sqs:eu-central-1:123456789012:${name}`;

function fakeSqs(depth: Record<string, number>, options: { raceOnStart?: boolean } = {}) {
  const tasks = new Map<string, { toMove: number; moved: number }>();
  const sent: Cmd[] = [];
  const nameOf = (urlOrArn: unknown) => String(urlOrArn).split(/[/:]/).at(-1)!;
  const sqs = {
    async send(cmd: Cmd) {
      sent.push(cmd);
      const input = cmd.input;
      switch (cmd.constructor.name) {
        case 'GetQueueAttributesCommand': {
          const name = nameOf(input.QueueUrl);
          const all: Record<string, string> = {
            QueueArn: ARN(name),
            ApproximateNumberOfMessages: String(depth[name] ?? 0),
            ApproximateNumberOfMessagesNotVisible: name === 'intake' ? '2' : '0',
            ApproximateNumberOfMessagesDelayed: name === 'intake' ? '1' : '0',
          };
          const names = input.AttributeNames as string[];
          return { Attributes: Object.fromEntries(names.map((n) => [n, all[n]!])) };
        }
        case 'ListMessageMoveTasksCommand': {
          const t = tasks.get(nameOf(input.SourceArn));
          return {
            Results: t
              ? [
                  {
                    Status: 'RUNNING',
                    ApproximateNumberOfMessagesToMove: t.toMove,
                    ApproximateNumberOfMessagesMoved: t.moved,
                  },
                ]
              : [],
          };
        }
        case 'StartMessageMoveTaskCommand': {
          assert.equal(input.DestinationArn, undefined, 'back to the queue each message came from');
          const name = nameOf(input.SourceArn);
          if (options.raceOnStart) tasks.set(name, { toMove: depth[name]!, moved: 1 });
          if (tasks.has(name))
            throw Object.assign(new Error('There is already a task running'), {
              name: 'UnsupportedOperation',
            });
          tasks.set(name, { toMove: depth[name]!, moved: 0 });
          return { TaskHandle: 'h' };
        }
        default:
          throw new Error(`unexpected ${cmd.constructor.name}`);
      }
    },
  };
  const ops = new SqsQueueOperations(sqs as unknown as SQSClient, {
    intake: URL('intake'),
    deadLetters: { intake: URL('intake-dlq'), webhooks: URL('webhook-dlq') },
  });
  return { ops, sent, tasks };
}

describe('SqsQueueOperations (the AWS side of the operator’s queues)', () => {
  it('counts the intake queue and each dead-letter queue under the names the console shows', async () => {
    const { ops } = fakeSqs({ intake: 4, 'intake-dlq': 3, 'webhook-dlq': 7 });
    assert.deepEqual(await ops.counts(), {
      visible: 4,
      inFlight: 2,
      delayed: 1,
      deadLetters: 3,
      webhookDeadLetters: 7,
    });
  });

  it('starts one move task per redrive of a queue with dead letters, from its own DLQ', async () => {
    const { ops, sent, tasks } = fakeSqs({ 'intake-dlq': 3, 'webhook-dlq': 7 });
    assert.deepEqual(await ops.redrive('webhooks'), { queue: 'webhooks', state: 'STARTED', messages: 7 });
    assert.deepEqual([...tasks.keys()], ['webhook-dlq']);
    const start = sent.find((c) => c.constructor.name === 'StartMessageMoveTaskCommand')!;
    assert.equal(start.input.SourceArn, ARN('webhook-dlq'));
    assert.deepEqual(await ops.redrive('intake'), { queue: 'intake', state: 'STARTED', messages: 3 });
    assert.deepEqual([...tasks.keys()].sort(), ['intake-dlq', 'webhook-dlq']);
  });

  it('reports a running task instead of starting a second one, with what it still has to move', async () => {
    const { ops, sent, tasks } = fakeSqs({ 'webhook-dlq': 7 });
    await ops.redrive('webhooks');
    tasks.get('webhook-dlq')!.moved = 5;
    assert.deepEqual(await ops.redrive('webhooks'), { queue: 'webhooks', state: 'RUNNING', messages: 2 });
    assert.equal(sent.filter((c) => c.constructor.name === 'StartMessageMoveTaskCommand').length, 1);
  });

  it('starts nothing for an empty dead-letter queue', async () => {
    const { ops, sent } = fakeSqs({});
    assert.deepEqual(await ops.redrive('intake'), { queue: 'intake', state: 'EMPTY', messages: 0 });
    assert.ok(!sent.some((c) => c.constructor.name === 'StartMessageMoveTaskCommand'));
  });

  it('reports the task another operator started between the check and the start', async () => {
    const { ops } = fakeSqs({ 'intake-dlq': 3 }, { raceOnStart: true });
    assert.deepEqual(await ops.redrive('intake'), { queue: 'intake', state: 'RUNNING', messages: 2 });
  });

  it('fails loudly when SQS refuses the start for another reason', async () => {
    const { ops } = fakeSqs({ 'intake-dlq': 3 });
    const failing = {
      send: async (cmd: Cmd) => {
        if (cmd.constructor.name === 'StartMessageMoveTaskCommand')
          throw Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
        return (ops as unknown as { sqs: { send(c: Cmd): Promise<unknown> } }).sqs.send(cmd);
      },
    };
    const broken = new SqsQueueOperations(failing as unknown as SQSClient, {
      intake: URL('intake'),
      deadLetters: { intake: URL('intake-dlq'), webhooks: URL('webhook-dlq') },
    });
    await assert.rejects(broken.redrive('intake'), /not authorized/);
  });
});
