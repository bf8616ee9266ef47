import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER_COUNT, type DeadLetterQueue, type RedriveResult } from '../../domain/dead-letters.js';
import type { QueueOperations } from '../../ports/index.js';

/** The queue URLs the operator's view reads: the intake queue and each queue's dead-letter queue. */
export interface QueueUrls {
  readonly intake: string;
  readonly deadLetters: Readonly<Record<DeadLetterQueue, string>>;
}

/**
 * The operator's queues on SQS: counts from `GetQueueAttributes` (approximate, as SQS keeps them),
 * redrive by a message move task from a dead-letter queue back to the queue its messages came
 * from (SQS moves them on the caller's rights: ReceiveMessage and DeleteMessage on the DLQ,
 * SendMessage on the source queue, the queue key via SQS). One task per queue at a time: a second
 * request while one runs is told so, not started twice.
 */
export class SqsQueueOperations implements QueueOperations {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: QueueUrls,
  ) {}

  private async attributes(url: string, names: QueueAttributeName[]): Promise<Record<string, string>> {
    const r = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
    return r.Attributes ?? {};
  }

  async counts(): Promise<Record<string, number>> {
    const [intake, ...dead] = await Promise.all([
      this.attributes(this.urls.intake, [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ]),
      ...Object.values(this.urls.deadLetters).map((url) =>
        this.attributes(url, ['ApproximateNumberOfMessages']),
      ),
    ]);
    const n = (value: string | undefined) => Number(value ?? 0);
    return {
      visible: n(intake!.ApproximateNumberOfMessages),
      inFlight: n(intake!.ApproximateNumberOfMessagesNotVisible),
      delayed: n(intake!.ApproximateNumberOfMessagesDelayed),
      ...Object.fromEntries(
        Object.keys(this.urls.deadLetters).map((q, i) => [
          DEAD_LETTER_COUNT[q as DeadLetterQueue],
          n(dead[i]!.ApproximateNumberOfMessages),
        ]),
      ),
    };
  }

  /** The running move task of `arn`, if any: how many it still has to move. */
  private async running(arn: string): Promise<number | undefined> {
    const r = await this.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn, MaxResults: 1 }));
    const task = r.Results?.[0];
    if (task?.Status !== 'RUNNING') return undefined;
    return Math.max(
      0,
      (task.ApproximateNumberOfMessagesToMove ?? 0) - (task.ApproximateNumberOfMessagesMoved ?? 0),
    );
  }

  async redrive(queue: DeadLetterQueue): Promise<RedriveResult> {
    const a = await this.attributes(this.urls.deadLetters[queue], [
      'QueueArn',
      'ApproximateNumberOfMessages',
    ]);
    const arn = a.QueueArn;
    if (!arn) throw new Error(`the ${queue} dead-letter queue has no ARN`);
    const left = await this.running(arn);
    if (left !== undefined) return { queue, state: 'RUNNING', messages: left };
    const messages = Number(a.ApproximateNumberOfMessages ?? 0);
    if (messages === 0) return { queue, state: 'EMPTY', messages: 0 };
    try {
      // No DestinationArn: each message goes back to the queue it was dead-lettered from.
      await this.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn }));
    } catch (error) {
      // Another operator started one in between: report it; anything else is a failure.
      const now = await this.running(arn);
      if (now !== undefined) return { queue, state: 'RUNNING', messages: now };
      throw error;
    }
    return { queue, state: 'STARTED', messages };
  }
}
