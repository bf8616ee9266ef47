import * as z from 'zod';

/** The S3 event notification that SQS carries as a message body (or S3's test event). */
const s3Notification = z.union([
  z.object({
    Records: z.array(
      z.object({
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string() }),
          object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().optional() }),
        }),
      }),
    ),
  }),
  z.object({ Event: z.literal('s3:TestEvent') }),
]);

/**
 * The object keys an SQS message body announces (ObjectCreated events only). Keys arrive
 * URL-encoded with `+` for spaces. A body that is not an S3 notification throws, so the message
 * is retried and dead-lettered rather than dropped silently.
 */
export function objectKeysOf(body: string): { key: string; size?: number }[] {
  const parsed = s3Notification.parse(JSON.parse(body));
  if (!('Records' in parsed)) return [];
  return parsed.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => ({
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    ...(r.s3.object.size !== undefined ? { size: r.s3.object.size } : {}),
  }));
}

/** The S3 ObjectCreated notification body for `key`, as S3 puts it on the queue (for re-enqueueing). */
export function s3EventBody(bucket: string, key: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+') },
        },
      },
    ],
  });
}
