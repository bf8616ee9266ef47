import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Event, SQSRecord } from 'aws-lambda';
import { EXTRACTS_BUCKET, TABLES, extractKey, type TableName } from '../../shared/config/resources.js';
import { localS3ClientConfig, startEmulators, type Emulators } from '../../infra/local/emulators.js';
import { LocalQueue } from '../../infra/local/queue.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emulators-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dataDir: string): Promise<Emulators> {
  const emulators = await startEmulators({ dataDir, s3Port: 0, dynamoPort: 0 });
  cleanups.push(() => emulators.stop());
  return emulators;
}

function s3Client(emulators: Emulators): S3Client {
  const client = new S3Client(localS3ClientConfig(emulators));
  cleanups.push(async () => client.destroy());
  return client;
}

function dynamoClient(emulators: Emulators): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: emulators.dynamoEndpoint,
    region: emulators.region,
    credentials: emulators.credentials,
  });
  cleanups.push(async () => client.destroy());
  return client;
}

/** Emulators wired to a queue exactly as the local stack does it. */
async function stackWithQueue(): Promise<{ emulators: Emulators; queue: LocalQueue; s3: S3Client }> {
  const dataDir = await tempDir();
  const emulators = await start(dataDir);
  const queue = new LocalQueue({ dataDir, retryDelayMs: 10, onError: () => undefined });
  cleanups.push(() => queue.stop());
  emulators.onObjectCreated((body) => queue.send(body));
  return { emulators, queue, s3: s3Client(emulators) };
}

async function receiveAll(queue: LocalQueue): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  await queue.start(async (event) => {
    records.push(...event.Records);
  });
  await queue.drain(5000);
  return records;
}

const errorName = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) =>
      `${(error as Error).name} ${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode}`,
  );

describe('local emulators', () => {
  it('turns an object put under the upload prefix into exactly one queue message shaped like an AWS S3 notification', async () => {
    const { emulators, queue, s3 } = await stackWithQueue();
    const key = extractKey('clerk-7', 'intake 01');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: emulators.bucket,
        Key: key,
        Body: Buffer.from('%PDF-1.7 test'),
        ContentType: 'application/pdf',
      }),
    );
    // The upload's response waits for the notification, so it is queued already.
    assert.equal(queue.stats().visible, 1);

    const records = await receiveAll(queue);
    assert.equal(records.length, 1);
    const event = JSON.parse(records[0]!.body) as S3Event;
    assert.equal(event.Records.length, 1);
    const record = event.Records[0]!;
    assert.deepEqual(Object.keys(record).sort(), [
      'awsRegion',
      'eventName',
      'eventSource',
      'eventTime',
      'eventVersion',
      'requestParameters',
      'responseElements',
      's3',
      'userIdentity',
    ]);
    assert.equal(record.eventVersion, '2.1');
    assert.equal(record.eventSource, 'aws:s3');
    assert.equal(record.awsRegion, 'eu-west-1');
    assert.equal(record.eventName, 'ObjectCreated:Put');
    assert.ok(Math.abs(Date.parse(record.eventTime) - Date.now()) < 10_000);
    assert.match(record.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(record.s3.s3SchemaVersion, '1.0');
    assert.deepEqual(record.s3.bucket.name, emulators.bucket);
    assert.equal(record.s3.bucket.arn, `arn:aws:s3:::${emulators.bucket}`);
    assert.equal(record.s3.object.key, 'incoming/clerk-7/intake+01.pdf', 'URL-encoded like S3 (space as +)');
    assert.equal(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')), key);
    assert.equal(record.s3.object.size, 13);
    assert.equal(record.s3.object.eTag, put.ETag!.replace(/"/g, ''));
    assert.equal('versionId' in record.s3.object, false, 's3rver has no versioning');
    assert.match(record.s3.object.sequencer, /^[0-9A-F]{18}$/);
  });

  it('sends nothing for objects outside the upload prefix or in another bucket', async () => {
    const { emulators, queue, s3 } = await stackWithQueue();
    assert.equal(EXTRACTS_BUCKET.uploadPrefix, 'incoming/');
    await s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: 'checkpoints/x.json', Body: '{}' }));
    await s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: 'incomingx/y.pdf', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: 'Incoming/z.pdf', Body: 'x' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'another-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'another-bucket', Key: extractKey('u', 'i'), Body: 'x' }));
    assert.deepEqual(queue.stats(), { visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 });
    await s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: extractKey('u', 'i'), Body: 'x' }));
    assert.equal(queue.stats().visible, 1);
  });

  it('names form and multipart uploads with their AWS event names', async () => {
    const { emulators, queue, s3 } = await stackWithQueue();
    const form = new FormData();
    form.append('key', extractKey('u', 'posted'));
    form.append('file', new Blob([Buffer.from('posted')]), 'x.pdf');
    const post = await fetch(`${emulators.s3Endpoint}/${emulators.bucket}`, { method: 'POST', body: form });
    assert.equal(post.status, 204);

    const Key = extractKey('u', 'multi');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: emulators.bucket, Key }));
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: emulators.bucket,
        Key,
        UploadId,
        PartNumber: 1,
        Body: Buffer.from('part'),
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: emulators.bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );

    const names = (await receiveAll(queue))
      .map((r) => (JSON.parse(r.body) as S3Event).Records[0]!)
      .map((r) => `${r.eventName} ${r.s3.object.key} ${r.s3.object.size}`)
      .sort();
    assert.deepEqual(names, [
      'ObjectCreated:CompleteMultipartUpload incoming/u/multi.pdf 4',
      'ObjectCreated:Post incoming/u/posted.pdf 6',
    ]);
  });

  it('fails the upload with a 500 when the notification cannot be queued', async () => {
    const dataDir = await tempDir();
    const emulators = await start(dataDir);
    emulators.onObjectCreated(async () => {
      throw new Error('queue unavailable');
    });
    const s3 = s3Client(emulators);
    const failure = await errorName(
      s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: extractKey('u', 'lost'), Body: 'x' })),
    );
    assert.match(failure, /^InternalError 500$/);
  });

  it('creates every table of resources.ts with its schema, and keeps tables, items and objects across a restart', async () => {
    const dataDir = await tempDir();
    const check = async (emulators: Emulators): Promise<void> => {
      const dynamo = dynamoClient(emulators);
      const { TableNames } = await dynamo.send(new ListTablesCommand({}));
      assert.deepEqual([...(TableNames ?? [])].sort(), Object.values(emulators.tables).sort());
      for (const name of Object.keys(TABLES) as TableName[]) {
        const definition = TABLES[name];
        assert.equal(emulators.tables[name], `ruling-intake-local-${definition.id}`);
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: emulators.tables[name] }));
        assert.equal(Table?.TableStatus, 'ACTIVE');
        const keys = (def: { partitionKey: { name: string }; sortKey?: { name: string } }): string[] => [
          `${def.partitionKey.name} HASH`,
          ...(def.sortKey ? [`${def.sortKey.name} RANGE`] : []),
        ];
        assert.deepEqual(
          Table?.KeySchema?.map((k) => `${k.AttributeName} ${k.KeyType}`),
          keys(definition),
        );
        assert.deepEqual(
          (Table?.GlobalSecondaryIndexes ?? []).map((g) => [
            g.IndexName,
            g.KeySchema?.map((k) => `${k.AttributeName} ${k.KeyType}`),
          ]),
          definition.globalIndexes.map((g) => [g.name, keys(g)]),
        );
        const attributeTypes = Object.fromEntries(
          (Table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]),
        );
        for (const a of [
          definition.partitionKey,
          ...definition.globalIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
        ]) {
          if (a) assert.equal(attributeTypes[a.name], a.type);
        }
      }
      // dynalite has no TTL support; documented in emulators.ts.
      const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: emulators.tables.ledger }));
      assert.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'DISABLED');
    };

    const first = await start(dataDir);
    await check(first);
    const doc = DynamoDBDocumentClient.from(dynamoClient(first));
    await doc.send(
      new PutCommand({ TableName: first.tables.control, Item: { pk: 'intake-pause', paused: true } }),
    );
    await s3Client(first).send(
      new PutObjectCommand({ Bucket: first.bucket, Key: extractKey('u', 'kept'), Body: 'kept' }),
    );
    await first.stop();

    const second = await start(dataDir);
    await check(second);
    const item = await DynamoDBDocumentClient.from(dynamoClient(second)).send(
      new GetCommand({ TableName: second.tables.control, Key: { pk: 'intake-pause' } }),
    );
    assert.deepEqual(item.Item, { pk: 'intake-pause', paused: true });
    const object = await s3Client(second).send(
      new GetObjectCommand({ Bucket: second.bucket, Key: extractKey('u', 'kept') }),
    );
    assert.equal(await object.Body?.transformToString(), 'kept');
  });

  it('matches the documented s3rver capability probe (versioning, tagging, presigned POST, checksums)', async () => {
    const dataDir = await tempDir();
    const emulators = await start(dataDir);
    const s3 = s3Client(emulators);
    const Bucket = emulators.bucket;
    const Key = extractKey('probe', 'p1');
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', Tagging: 'ignored=yes' }));

    // Versioning
    assert.equal(
      await errorName(
        s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } })),
      ),
      'BucketAlreadyExists 409',
    );
    assert.equal(
      await errorName(s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'incoming/' }))),
      'MethodNotAllowed 405',
    );
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key, VersionId: 'v-1' }] } }),
    );
    assert.deepEqual(deleted.Deleted, [{ Key }], 'VersionId ignored and not echoed');
    assert.equal(await errorName(s3.send(new HeadObjectCommand({ Bucket, Key }))), 'NotFound 404');

    // Tagging
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', Tagging: 'ignored=yes' }));
    assert.deepEqual(
      (await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet,
      [],
      'x-amz-tagging ignored',
    );
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket,
        Key,
        Tagging: { TagSet: [{ Key: EXTRACTS_BUCKET.outcomeTag, Value: 'held' }] },
      }),
    );
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet, [
      { Key: EXTRACTS_BUCKET.outcomeTag, Value: 'held' },
    ]);
    assert.equal(
      await errorName(s3.send(new DeleteObjectTaggingCommand({ Bucket, Key }))),
      'NotImplemented 501',
    );

    // Presigned POST: policy (size limit, signature) not enforced
    const now = new Date();
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const fields: Record<string, string> = {
      key: extractKey('probe', 'too-big'),
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${emulators.credentials.accessKeyId}/${amzDate.slice(0, 8)}/${emulators.region}/s3/aws4_request`,
      'X-Amz-Date': amzDate,
      Policy: Buffer.from(
        JSON.stringify({
          expiration: new Date(now.getTime() - 60_000).toISOString(),
          conditions: [['content-length-range', 0, 10]],
        }),
      ).toString('base64'),
    };
    fields['X-Amz-Signature'] = createHmac('sha256', 'wrong-key').update(fields.Policy!).digest('hex');
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.alloc(100)]), 'x.pdf');
    const post = await fetch(`${emulators.s3Endpoint}/${Bucket}`, { method: 'POST', body: form });
    assert.equal(post.status, 204, 'expired policy, wrong signature and 100 > 10 bytes: all accepted');

    // Checksums: the SDK's default aws-chunked streaming upload is stored with its framing
    const defaults = new S3Client({
      endpoint: emulators.s3Endpoint,
      region: emulators.region,
      credentials: emulators.credentials,
      forcePathStyle: true,
    });
    cleanups.push(async () => defaults.destroy());
    const streamed = extractKey('probe', 'streamed');
    await defaults.send(
      new PutObjectCommand({
        Bucket,
        Key: streamed,
        Body: Readable.from([Buffer.from('hello')]),
        ContentLength: 5,
      }),
    );
    const stored = await (
      await s3.send(new GetObjectCommand({ Bucket, Key: streamed }))
    ).Body!.transformToString();
    assert.match(stored, /^5\r\nhello\r\n0\r\nx-amz-checksum-crc32:/);
  });
});
