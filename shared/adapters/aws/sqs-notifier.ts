import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ChangeNotification } from '../../domain/webhook.js';
import type { ChangeNotifier } from '../../ports/index.js';

/** SendMessageBatch takes at most this many messages. */
const SQS_BATCH = 10;

/**
 * Queues webhook notifications on the webhook queue (SSE-KMS), ten per SendMessageBatch (the
 * `sqs:SendMessage` right covers it). A message SQS did not accept fails the call, so the relay is
 * retried and sends the same ids again (receivers deduplicate by id).
 */
export class SqsChangeNotifier implements ChangeNotifier {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    readonly institutions: ReadonlySet<string>,
  ) {}

  async notify(notes: readonly ChangeNotification[]): Promise<void> {
    for (let i = 0; i < notes.length; i += SQS_BATCH) {
      const batch = notes.slice(i, i + SQS_BATCH);
      const r = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((n, j) => ({ Id: String(j), MessageBody: JSON.stringify(n) })),
        }),
      );
      if (r.Failed?.length)
        throw new Error(
          `the webhook queue refused ${r.Failed.length} notification(s): ${r.Failed[0]?.Code ?? ''}`,
        );
    }
  }
}
