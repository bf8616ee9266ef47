/**
 * The intake function honours the pause switch itself (protocol art. 8): with the poller left
 * enabled — as an event source mapping a redeploy re-created — a paused intake reads and decides
 * nothing, dead-letters nothing, records the upload as RECEIVED (waiting) for the clerk and the
 * stalled check, and applies it exactly once after the operator resumes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { s3EventBody } from '../../shared/adapters/aws/s3-event.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { extractKey } from '../../shared/config/resources.js';
import { setIntake } from '../../shared/use-cases/admin.js';
import { publicStatus } from '../../shared/use-cases/clerk.js';
import { opsReport } from '../../shared/use-cases/ops-report.js';
import {
  balanceOf,
  extractExists,
  extractText,
  nationalNumber,
  pdfFromText,
  upload,
  waitForStatus,
  withStack,
} from './helpers.js';

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a paused intake with its poller enabled', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;

  before(async () => {
    stack = await withStack({ pollWhilePaused: true });
  });
  after(async () => stack?.dispose());

  it('processes nothing while paused, shows the upload waiting and stalled, and applies it exactly once after resume', async () => {
    const compose = await import('../../shared/composition/compose.js');
    const send = (key: string, versionId?: string) =>
      stack.queue.send(s3EventBody(stack.emulators.bucket, key, stack.emulators.region, versionId));
    const admin = await compose.adminPorts({
      queue: { enqueue: async (k, v) => void (await send(k, v)) },
      queues: stack.queues,
    });
    const operator = { p: { sub: 'op-1', role: 'operator' as const }, now: new Date() };
    await setIntake(admin, { ...operator, requestId: 'pause-1' }, 'paused');
    assert.equal(stack.queue.isPaused(), false, 'the poller keeps delivering: only the function can hold');

    const rrn = nationalNumber('990215', 7);
    const pdf = await pdfFromText(
      extractText({ ruling: '60001', rrn, surname: 'Wouters', givenNames: 'Els' }),
    );
    const id = await upload(pdf);
    const deps = await intakeDeps();

    // Delivered and acknowledged by the function, nothing read: RECEIVED with the pause marker.
    const waiting = await until(
      () => deps.statuses.get(id),
      (s) => s?.pausedAt !== undefined,
    );
    await until(
      async () => stack.queue.stats(),
      (q) => q.visible + q.inFlight + q.delayed === 0,
    );
    assert.equal(waiting?.status, 'RECEIVED');
    assert.equal(waiting?.boundAt, undefined, 'the object was not read');
    assert.equal(stack.queue.stats().deadLetters, 0, 'nothing dead-lettered');
    assert.equal(await extractExists(id), true);
    assert.equal(await balanceOf(rrn), undefined, 'nothing applied');
    const clerk = await compose.clerkPorts();
    assert.equal(
      publicStatus(waiting!, await clerk.control!.isPaused()).paused,
      true,
      'the clerk sees it waiting',
    );

    // The stalled check counts it once the limit has passed (SQS no longer holds the message).
    const later = new Date(Date.parse(waiting!.receivedAt) + 25 * 3_600_000);
    assert.ok((await opsReport(deps.statuses, later)).stalledIntakeIds.includes(id));

    // Resume: the open RECEIVED status goes back on the queue and is applied.
    await setIntake(admin, { ...operator, requestId: 'resume-1' }, 'running');
    const done = await waitForStatus(id);
    assert.equal(done.status, 'APPLIED');
    assert.equal(done.pausedAt, undefined);
    const balance = await balanceOf(rrn);
    assert.ok(balance !== undefined);

    // A second delivery of the same upload (resumed twice, or SQS redelivery) changes nothing.
    await send(extractKey('griffie-test', id));
    await setIntake(admin, { ...operator, requestId: 'resume-2' }, 'running');
    await until(
      async () => stack.queue.stats(),
      (q) => q.visible + q.inFlight + q.delayed === 0,
    );
    assert.equal(await balanceOf(rrn), balance, 'applied exactly once');
    assert.equal((await opsReport(deps.statuses, later)).stalledIntakeIds.includes(id), false);
  });

  it('pauses and resumes when the queue counts cannot be read, and says so without counts', async () => {
    const compose = await import('../../shared/composition/compose.js');
    const admin = {
      ...(await compose.adminPorts({ queue: { enqueue: async () => undefined }, queues: stack.queues })),
      queues: {
        ...stack.queues,
        counts: async (): Promise<Record<string, number>> => {
          throw new Error('the queue service is not answering');
        },
      },
    };
    const operator = { p: { sub: 'op-1', role: 'operator' as const }, now: new Date() };
    assert.deepEqual(await setIntake(admin, { ...operator, requestId: 'pause-x' }, 'paused'), {
      state: 'paused',
    });
    assert.equal(await admin.control.isPaused(), true);
    assert.deepEqual(await setIntake(admin, { ...operator, requestId: 'resume-x' }, 'running'), {
      state: 'running',
    });
    assert.equal(await admin.control.isPaused(), false);
  });
});
