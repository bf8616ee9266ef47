/**
 * The S3 event notification that SQS carries as a message body, read with the Powertools parser's
 * schema of S3's event (the record AWS documents: eventVersion 2.1), and S3's test event.
 */
import { S3Schema } from '@aws-lambda-powertools/parser/schemas';
import * as z from 'zod';

const s3TestEvent = z.object({ Event: z.literal('s3:TestEvent') });

export interface CreatedObject {
  readonly key: string;
  readonly size?: number;
  /** The object version the event is about (versioned buckets). */
  readonly versionId?: string;
}

/**
 * The objects an SQS message body announces (ObjectCreated events only). Keys arrive URL-encoded
 * with `+` for spaces. A body that is not an S3 notification throws, so the message is retried
 * and dead-lettered rather than dropped silently.
 */
export function objectKeysOf(body: string): CreatedObject[] {
  const json: unknown = JSON.parse(body);
  if (s3TestEvent.safeParse(json).success) return [];
  return S3Schema.parse(json)
    .Records.filter((r) => r.eventName.startsWith('ObjectCreated'))
    .map((r) => ({
      key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
      ...(r.s3.object.size !== undefined ? { size: r.s3.object.size } : {}),
      ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
    }));
}

/** The S3 ObjectCreated notification body for `key`, as S3 puts it on the queue (for re-enqueueing). */
export function s3EventBody(
  bucket: string,
  key: string,
  region = process.env.AWS_REGION ?? 'eu-west-1',
  versionId?: string,
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'ruling-intake' },
        requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
        responseElements: { 'x-amz-request-id': 'REENQUEUED', 'x-amz-id-2': 'REENQUEUED' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'reenqueued',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'ruling-intake' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            ...(versionId ? { versionId } : {}),
          },
        },
      },
    ],
  });
}
