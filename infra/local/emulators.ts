/**
 * The AWS emulators of the local stack: `s3rver` (S3 API) and `dynalite` (DynamoDB API) on
 * loopback, both persisted under one data folder, provisioned from `shared/config/resources.ts`.
 *
 * What s3rver 3.7.1 does NOT do that matters here. Probed with the real AWS SDK v3 S3 client
 * (forcePathStyle, dummy credentials, eu-west-1); the probe is kept as a test in
 * test/integration/emulators.test.ts so an upgrade that changes any of this shows up.
 *
 * Versioning: none.
 * - PutBucketVersioning → 409 `BucketAlreadyExists` ("The requested bucket already exists"): the
 *   `?versioning` sub-resource is not routed and the request is treated as CreateBucket. On a
 *   bucket name that does not exist yet it silently CREATES that bucket and returns 200.
 * - GetBucketVersioning → 200 with no Status (it is answered as a ListObjects).
 * - ListObjectVersions → 405 `MethodNotAllowed` ("The specified method is not allowed against this
 *   resource.", ResourceType VERSIONS).
 * - GetObject / DeleteObject with any VersionId (even a bogus one) → 200/204: the VersionId is
 *   ignored and the current object is returned / deleted (AWS: 400 InvalidArgument for a bogus id).
 * - DeleteObjects with VersionIds → 200, deletes each key, `Deleted` entries carry no VersionId;
 *   keys that never existed are also reported as Deleted.
 * - No response ever carries a VersionId, so event notifications carry none either.
 *   "Delete every version" code must work when ListObjectVersions fails, e.g. fall back to a
 *   plain DeleteObject on a 405/501 only when running against the local endpoint.
 * Tagging: PutObjectTagging and GetObjectTagging work (sidecar file). DeleteObjectTagging → 501
 * `NotImplemented` (no message, the SDK shows "UnknownError"). The `Tagging` parameter of
 * PutObject (x-amz-tagging header) and the `tagging` field of a POST form are silently ignored
 * (GetObjectTagging then answers an empty TagSet). PutBucketLifecycleConfiguration → 501
 * `NotImplemented`: tag-based expiry does not exist locally. PutObjectLockConfiguration → 405.
 * Presigned POST: the form upload works (204 + Location, ObjectCreated:Post event) but the policy
 * is not checked at all: a body over `content-length-range`, an expired policy and a wrong
 * X-Amz-Signature are all accepted. Limits must be re-checked by the intake (it does anyway).
 * SSE-KMS headers/fields are accepted and ignored (GetObject returns no ServerSideEncryption).
 * Credentials: SigV4 signatures are not verified, but the access key id must be registered, else
 * 403 `InvalidAccessKeyId`. startEmulators registers `options.credentials` (default S3RVER/S3RVER).
 * Checksums: AWS SDK v3 (since 3.729) by default uploads *streaming* bodies as `aws-chunked` with
 * a CRC32 trailer; s3rver stores the chunk framing as the object bytes
 * ("6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:...") without an error. Buffers and
 * strings are fine. Every S3 client used against s3rver MUST set
 * `requestChecksumCalculation: 'WHEN_REQUIRED'` (see `localS3ClientConfig`).
 * Events: s3rver emits `app.emit('event', {Records:[...]})` synchronously inside the request
 * handler, after the store call returned but before the response is sent. Its records are not
 * AWS-exact (eventVersion 2.0, region us-east-1, raw key, arn `arn:aws:s3: : :bucket`, multipart
 * completion reported as ObjectCreated:Post, Copy events without eTag) and it also emits
 * ObjectRemoved:Delete; we rebuild AWS's record (see `toS3EventNotification`).
 *
 * dynalite 4 does not implement UpdateTimeToLive (UnknownOperationException); DescribeTimeToLive
 * always answers DISABLED and items never expire locally. It also cannot add a GSI to an
 * existing table (UpdateTable ignores GlobalSecondaryIndexUpdates.Create): a schema change in
 * resources.ts requires deleting `<dataDir>/dynamodb` (startEmulators says so).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import {
  EXTRACTS_BUCKET,
  SERVICE_NAME,
  TABLES,
  type IndexDefinition,
  type TableDefinition,
  type TableName,
} from '../../shared/config/resources.js';

const require = createRequire(import.meta.url);

/** Prefix of every local resource name: `ruling-intake-local-<id>`. */
export const LOCAL_NAME_PREFIX = `${SERVICE_NAME}-local`;

export function localTableName(table: TableDefinition): string {
  return `${LOCAL_NAME_PREFIX}-${table.id}`;
}

/** S3 bucket names must be lower case. */
export const LOCAL_BUCKET_NAME = `${LOCAL_NAME_PREFIX}-${EXTRACTS_BUCKET.id.toLowerCase()}`;

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** s3rver's built-in key pair; any other pair passed to startEmulators is registered too. */
export const DEFAULT_LOCAL_CREDENTIALS: LocalCredentials = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};

export interface EmulatorOptions {
  /** Root of the persisted state: `<dataDir>/s3`, `<dataDir>/dynamodb`. Created if missing. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly s3Port?: number;
  /** 0 (default) picks a free port. */
  readonly dynamoPort?: number;
  /** Silence s3rver's request log and koa's error log (default true). */
  readonly silent?: boolean;
  /** Region put in event notifications and ARNs (default eu-west-1). */
  readonly region?: string;
  /** Key pair clients will use; registered with s3rver (dynalite accepts anything). */
  readonly credentials?: LocalCredentials;
}

/**
 * Called for every ObjectCreated event under `EXTRACTS_BUCKET.uploadPrefix` in the extracts
 * bucket, with the SQS message body AWS would deliver. The S3 response to the uploader is held
 * until the returned promise settles; if it rejects, the uploader gets a 500 InternalError (the
 * object is stored, the uploader retries, as with S3's own at-least-once delivery). So an
 * accepted upload (2xx) always has its notification accepted by the listener.
 */
export type ObjectCreatedListener = (messageBody: string, event: S3Event) => unknown;

export interface Emulators {
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly credentials: LocalCredentials;
  readonly bucket: string;
  readonly tables: Record<TableName, string>;
  stop(): Promise<void>;
  /** Returns a function that removes the listener. */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
}

/** S3 client settings that work with s3rver (see the header comment on checksums). */
export function localS3ClientConfig(
  emulators: Pick<Emulators, 's3Endpoint' | 'region' | 'credentials'>,
): S3ClientConfig {
  return {
    endpoint: emulators.s3Endpoint,
    region: emulators.region,
    credentials: emulators.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

// ---------------------------------------------------------------------------------------------
// Minimal typings of the two CommonJS emulators (neither ships types).

interface KoaContextLike {
  readonly method: string;
  readonly query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<void>) => Promise<void>;

interface S3rverEventRecord {
  readonly eventTime: string;
  readonly eventName: string;
  readonly requestParameters: { readonly sourceIPAddress: string };
  readonly responseElements: { readonly 'x-amz-request-id': string; readonly 'x-amz-id-2': string };
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string };
  };
}
interface S3rverEvent {
  readonly Records: readonly S3rverEventRecord[];
}

interface S3rverInstance {
  readonly middleware: KoaMiddleware[];
  httpServer?: Server;
  readonly store: { getMetadata(bucket: string, key: string): Promise<Record<string, string | number>> };
  on(event: 'event', listener: (event: S3rverEvent) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

interface AwsAccountModule {
  readonly registry: Map<string, unknown>;
  readonly DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

type DynaliteFactory = (options: Record<string, unknown>) => Server;

// ---------------------------------------------------------------------------------------------
// Event mapping

/**
 * Encodes a key the way S3 does in event notifications (form-style URL encoding: space → `+`,
 * `/` kept). Consumers decode with `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}

let sequencerCounter = 0;
/** Monotonic hex sequencer, 18 upper-case hex digits like S3's. */
function nextSequencer(): string {
  sequencerCounter = (sequencerCounter + 1) % 4096;
  const value = BigInt(Date.now()) * 4096n + BigInt(sequencerCounter);
  return value.toString(16).toUpperCase().padStart(18, '0');
}

export interface ObjectCreatedFacts {
  readonly bucket: string;
  /** Raw (decoded) object key. */
  readonly key: string;
  readonly size: number;
  /** MD5 hex, without quotes. */
  readonly eTag: string;
  readonly versionId?: string;
  readonly eventName:
    | 'ObjectCreated:Put'
    | 'ObjectCreated:Post'
    | 'ObjectCreated:Copy'
    | 'ObjectCreated:CompleteMultipartUpload';
  readonly eventTime?: string;
  readonly region: string;
  readonly sourceIPAddress?: string;
  readonly requestId?: string;
  readonly hostId?: string;
}

/** The S3 event notification AWS puts in the SQS message body (eventVersion 2.1). */
export function toS3EventNotification(facts: ObjectCreatedFacts): S3Event {
  const object: S3EventRecord['s3']['object'] = {
    key: encodeS3EventKey(facts.key),
    size: facts.size,
    eTag: facts.eTag,
    ...(facts.versionId === undefined ? {} : { versionId: facts.versionId }),
    sequencer: nextSequencer(),
  };
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: facts.region,
    eventTime: facts.eventTime ?? new Date().toISOString(),
    eventName: facts.eventName,
    userIdentity: { principalId: 'AWS:LOCALUPLOADER' },
    requestParameters: { sourceIPAddress: facts.sourceIPAddress ?? '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': facts.requestId ?? 'LOCAL',
      'x-amz-id-2': facts.hostId ?? 'LOCAL',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'intake-upload',
      bucket: {
        name: facts.bucket,
        ownerIdentity: { principalId: 'LOCALOWNER' },
        arn: `arn:aws:s3:::${facts.bucket}`,
      },
      object,
    },
  };
  return { Records: [record] };
}

interface RequestScope {
  readonly method: string;
  readonly multipartCompletion: boolean;
  readonly pending: Promise<void>[];
}

// ---------------------------------------------------------------------------------------------
// DynamoDB provisioning

function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const attributes = new Map<string, string>();
  const add = (a: { name: string; type: string } | undefined): void => {
    if (a) attributes.set(a.name, a.type);
  };
  add(table.partitionKey);
  add(table.sortKey);
  for (const index of table.globalIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...attributes].map(([AttributeName, type]) => ({
    AttributeName,
    AttributeType: type as AttributeDefinition['AttributeType'],
  }));
}

function keySchema(def: Pick<IndexDefinition, 'partitionKey' | 'sortKey'>): KeySchemaElement[] {
  return [
    { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
    ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function createTableInput(name: string, table: TableDefinition): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions(table),
    KeySchema: keySchema(table),
    ...(table.globalIndexes.length
      ? {
          GlobalSecondaryIndexes: table.globalIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

const sameKeys = (a: readonly KeySchemaElement[] | undefined, b: readonly KeySchemaElement[]): boolean =>
  JSON.stringify(a ?? []) === JSON.stringify(b);

/** Throws when a persisted table no longer matches resources.ts (dynalite cannot migrate). */
function assertSchema(name: string, table: TableDefinition, actual: TableDescription, dataDir: string): void {
  const problems: string[] = [];
  if (!sameKeys(actual.KeySchema, keySchema(table))) problems.push('key schema differs');
  for (const index of table.globalIndexes) {
    const found = actual.GlobalSecondaryIndexes?.find((g) => g.IndexName === index.name);
    if (!found) problems.push(`index ${index.name} missing`);
    else if (!sameKeys(found.KeySchema, keySchema(index)))
      problems.push(`index ${index.name} key schema differs`);
  }
  if (problems.length) {
    throw new Error(
      `Local table ${name} does not match shared/config/resources.ts (${problems.join('; ')}). ` +
        `dynalite cannot migrate tables: delete ${join(dataDir, 'dynamodb')} to recreate them.`,
    );
  }
}

async function waitActive(client: DynamoDBClient, name: string): Promise<TableDescription> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return Table;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Local table ${name} did not become ACTIVE`);
}

async function ensureTable(
  client: DynamoDBClient,
  name: string,
  table: TableDefinition,
  dataDir: string,
): Promise<void> {
  let existing: TableDescription | undefined;
  try {
    existing = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (!existing) {
    await client.send(new CreateTableCommand(createTableInput(name, table)));
  }
  const active = await waitActive(client, name);
  assertSchema(name, table, active, dataDir);
  const ttlAttribute: string | undefined = table.ttlAttribute;
  if (ttlAttribute) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus === 'DISABLED') {
      try {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
          }),
        );
      } catch (error) {
        // dynalite 4 has no UpdateTimeToLive; items simply never expire locally.
        if ((error as { name?: string }).name !== 'UnknownOperationException') throw error;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

function closeServer(server: Server | undefined, close: () => Promise<void>): Promise<void> {
  const done = close();
  // Keep-alive sockets from SDK clients would hold close() open.
  server?.closeIdleConnections();
  const force = setTimeout(() => server?.closeAllConnections(), 1000);
  return done.finally(() => clearTimeout(force));
}

export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const {
    dataDir,
    host = '127.0.0.1',
    s3Port = 0,
    dynamoPort = 0,
    silent = true,
    region = 'eu-west-1',
    credentials = DEFAULT_LOCAL_CREDENTIALS,
  } = options;
  const s3Dir = join(dataDir, 's3');
  const dynamoDir = join(dataDir, 'dynamodb');
  await mkdir(s3Dir, { recursive: true });
  await mkdir(dynamoDir, { recursive: true });

  const bucket = LOCAL_BUCKET_NAME;
  const tables = Object.fromEntries(
    (Object.keys(TABLES) as TableName[]).map((name) => [name, localTableName(TABLES[name])]),
  ) as Record<TableName, string>;

  // --- S3 ---
  const S3rver = require('s3rver') as S3rverConstructor;
  const accounts = require('s3rver/lib/models/account') as AwsAccountModule;
  if (!accounts.registry.has(credentials.accessKeyId)) {
    accounts.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  }
  const s3 = new S3rver({
    address: host,
    port: s3Port,
    directory: s3Dir,
    silent,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });

  const listeners = new Set<ObjectCreatedListener>();
  const scope = new AsyncLocalStorage<RequestScope>();
  // Outermost middleware: hold the response until every listener settled (see ObjectCreatedListener).
  s3.middleware.unshift(async (ctx, next) => {
    const request: RequestScope = {
      method: ctx.method,
      multipartCompletion: ctx.method === 'POST' && 'uploadId' in ctx.query,
      pending: [],
    };
    await scope.run(request, next);
    const results = await Promise.allSettled(request.pending);
    if (results.some((r) => r.status === 'rejected')) {
      ctx.status = 500;
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>' +
        '<Message>We encountered an internal error. Please try again.</Message></Error>';
    }
  });

  s3.on('event', (event) => {
    const request = scope.getStore();
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const { name } = record.s3.bucket;
      const { key } = record.s3.object;
      if (name !== bucket || !key.startsWith(EXTRACTS_BUCKET.uploadPrefix)) continue;
      const eventName: ObjectCreatedFacts['eventName'] = request?.multipartCompletion
        ? 'ObjectCreated:CompleteMultipartUpload'
        : record.eventName === 'ObjectCreated:Copy'
          ? 'ObjectCreated:Copy'
          : record.eventName === 'ObjectCreated:Post'
            ? 'ObjectCreated:Post'
            : 'ObjectCreated:Put';
      const deliver = async (): Promise<void> => {
        let { size, eTag } = record.s3.object;
        if (size === undefined || eTag === undefined) {
          const metadata = await s3.store.getMetadata(name, key);
          size ??= Number(metadata['content-length']);
          eTag ??= String(JSON.parse(String(metadata['etag'])));
        }
        const notification = toS3EventNotification({
          bucket: name,
          key,
          size,
          eTag,
          eventName,
          eventTime: record.eventTime,
          region,
          sourceIPAddress: record.requestParameters.sourceIPAddress.replace(/^::ffff:/, ''),
          requestId: record.responseElements['x-amz-request-id'],
          hostId: record.responseElements['x-amz-id-2'],
        });
        const body = JSON.stringify(notification);
        await Promise.all([...listeners].map(async (listener) => listener(body, notification)));
      };
      const delivery = deliver();
      if (request) request.pending.push(delivery);
      else delivery.catch(() => undefined);
    }
  });

  const s3Address = await s3.run();
  const s3Endpoint = `http://${host}:${s3Address.port}`;

  // --- DynamoDB ---
  const dynalite = require('dynalite') as DynaliteFactory;
  const dynamo = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let dynamoEndpoint: string;
  try {
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(dynamoPort, host, () => {
        dynamo.off('error', reject);
        resolve();
      });
    });
    dynamoEndpoint = `http://${host}:${(dynamo.address() as AddressInfo).port}`;
  } catch (error) {
    await closeServer(s3.httpServer, () => s3.close());
    throw error;
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= Promise.allSettled([
      closeServer(s3.httpServer, () => s3.close()),
      closeServer(
        dynamo,
        () => new Promise<void>((resolve, reject) => dynamo.close((e) => (e ? reject(e) : resolve()))),
      ),
    ]).then((results) => {
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }));

  const client = new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials });
  try {
    for (const name of Object.keys(TABLES) as TableName[]) {
      await ensureTable(client, tables[name], TABLES[name], dataDir);
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }

  return {
    s3Endpoint,
    dynamoEndpoint,
    region,
    credentials,
    bucket,
    tables,
    stop,
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
