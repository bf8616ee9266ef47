import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { IntakeQueue } from '../../ports/index.js';
import { s3EventBody } from './s3-event.js';

/** Re-enqueues an extract on the intake queue with the same body S3 would send. */
export class SqsIntakeQueue implements IntakeQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly bucket: string,
  ) {}

  async enqueue(key: string, versionId?: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: s3EventBody(this.bucket, key, undefined, versionId),
      }),
    );
  }
}

/** The AWS half of the pause switch: enables or disables the intake function's event source mapping. */
export function eventSourceMappingSwitch(uuid: string, lambda = new LambdaClient({})) {
  return async (paused: boolean): Promise<void> => {
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: !paused }));
  };
}
