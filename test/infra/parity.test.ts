/**
 * Parity between the laptop and the cloud (architecture invariant 6): what the local stack
 * actually creates — dynalite tables described over the wire, the s3rver bucket and the prefix
 * its events are filtered on, the local key files — equals what the synthesized template declares.
 * Both come from shared/config/resources.ts; this proves neither side drifted from it on its way
 * to a running resource. The emulators start on loopback in a temporary folder.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { GetObjectTaggingCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig, startEmulators, type Emulators } from '../../infra/local/emulators.js';
import { S3ExtractStore } from '../../shared/adapters/aws/s3-extracts.js';
import { loadLocalKeys } from '../../shared/adapters/local/keys.js';
import {
  LOCAL_RECEIPT_KEY_FILE,
  LOCAL_WEBHOOK_KEY_FILE,
  LOCAL_SIGNING_KEY_FILE,
  LocalSigner,
} from '../../shared/adapters/local/signer.js';
import {
  EXTRACTS_BUCKET,
  KEYS,
  TABLES,
  extractKey,
  type TableDefinition,
  type TableName,
} from '../../shared/config/resources.js';
import { logicalId, synthesize, view } from './stack-fixture.js';

const { stack, template } = synthesize();
const { propsOf } = view(template);

let dir: string;
let emulators: Emulators;
let dynamo: DynamoDBClient;
let s3: S3Client;
const described = new Map<TableName, TableDescription>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ruling-intake-parity-'));
  emulators = await startEmulators({ dataDir: join(dir, 'data') });
  dynamo = new DynamoDBClient({
    endpoint: emulators.dynamoEndpoint,
    region: emulators.region,
    credentials: emulators.credentials,
  });
  s3 = new S3Client(localS3ClientConfig(emulators));
  for (const name of Object.keys(TABLES) as TableName[]) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: emulators.tables[name] }));
    described.set(name, Table!);
  }
});

after(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await emulators?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const byName = <T extends { AttributeName?: string; IndexName?: string }>(xs: readonly T[] = []) =>
  [...xs].sort((a, b) =>
    String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
  );

describe('tables: the local stack creates what the template declares', () => {
  for (const name of Object.keys(TABLES) as TableName[]) {
    test(`${name}: key schema, attribute definitions, global indexes (keys, projection) and billing mode are equal`, () => {
      const local = described.get(name)!;
      const cloud = propsOf(logicalId(stack.storage.tables[name])) as {
        KeySchema: unknown;
        AttributeDefinitions: { AttributeName: string }[];
        GlobalSecondaryIndexes?: { IndexName: string; KeySchema: unknown; Projection: unknown }[];
        BillingMode: string;
      };
      assert.deepEqual(local.KeySchema, cloud.KeySchema);
      assert.deepEqual(byName(local.AttributeDefinitions), byName(cloud.AttributeDefinitions));
      assert.deepEqual(
        byName(local.GlobalSecondaryIndexes).map((i) => ({
          IndexName: i.IndexName,
          KeySchema: i.KeySchema,
          Projection: i.Projection,
        })),
        byName(cloud.GlobalSecondaryIndexes ?? []).map((i) => ({
          IndexName: i.IndexName,
          KeySchema: i.KeySchema,
          Projection: i.Projection,
        })),
      );
      assert.equal(local.BillingModeSummary?.BillingMode, cloud.BillingMode);
    });
  }

  test('TTL: the template enables it on the attribute of resources.ts; dynalite cannot (a known gap, probed)', async () => {
    for (const name of Object.keys(TABLES) as TableName[]) {
      const cloud = propsOf(logicalId(stack.storage.tables[name]))['TimeToLiveSpecification'];
      const ttl = (TABLES[name] as TableDefinition).ttlAttribute;
      assert.deepEqual(cloud, ttl ? { AttributeName: ttl, Enabled: true } : undefined, name);
      const local = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: emulators.tables[name] }));
      // If dynalite ever reports the TTL, compare it here instead of asserting the gap.
      assert.equal(local.TimeToLiveDescription?.TimeToLiveStatus, 'DISABLED', name);
    }
  });
});

describe('bucket layout', () => {
  test('the local bucket exists, and an object created under the upload prefix is announced, as the template filters S3 events', async () => {
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    assert.ok(Buckets?.some((b) => b.Name === emulators.bucket));

    const cloudFilter = (
      propsOf(logicalId(stack.storage.bucket))['NotificationConfiguration'] as {
        QueueConfigurations: {
          Event: string;
          Filter: { S3Key: { Rules: { Name: string; Value: string }[] } };
        }[];
      }
    ).QueueConfigurations;
    assert.deepEqual(
      cloudFilter.map((q) => [q.Event, q.Filter.S3Key.Rules]),
      [['s3:ObjectCreated:*', [{ Name: 'prefix', Value: EXTRACTS_BUCKET.uploadPrefix }]]],
    );

    const announced: string[] = [];
    const stop = emulators.onObjectCreated((_body, event) => {
      for (const r of event.Records) announced.push(decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')));
    });
    try {
      const inside = extractKey('clerk-1', 'parity-1');
      for (const key of [inside, 'elsewhere/parity-2.pdf', `x${EXTRACTS_BUCKET.uploadPrefix}parity-3.pdf`]) {
        await s3.send(
          new PutObjectCommand({ Bucket: emulators.bucket, Key: key, Body: Buffer.from('%PDF-1.7') }),
        );
      }
      assert.deepEqual(announced, [inside]);
      assert.ok(inside.startsWith(EXTRACTS_BUCKET.uploadPrefix));
    } finally {
      stop();
    }
  });

  test('the tags the intake puts on kept extracts (through its S3 adapter, locally) are the ones the template expires after 30 days', async () => {
    const rules = (
      propsOf(logicalId(stack.storage.bucket))['LifecycleConfiguration'] as {
        Rules: { TagFilters?: { Key: string; Value: string }[]; ExpirationInDays?: number }[];
      }
    ).Rules.filter((r) => r.TagFilters);
    const store = new S3ExtractStore(s3, emulators.bucket);
    const written: { Key?: string; Value?: string }[][] = [];
    for (const outcome of EXTRACTS_BUCKET.keptOutcomes) {
      const key = extractKey('clerk-1', `parity-${outcome}`);
      await s3.send(
        new PutObjectCommand({ Bucket: emulators.bucket, Key: key, Body: Buffer.from('%PDF-1.7') }),
      );
      await store.tagOutcome(key, outcome);
      const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: emulators.bucket, Key: key }));
      written.push((TagSet ?? []).map((t) => ({ Key: t.Key, Value: t.Value })));
    }
    assert.deepEqual(
      rules.map((r) => r.TagFilters),
      written,
    );
    for (const r of rules) assert.equal(r.ExpirationInDays, EXTRACTS_BUCKET.keptDays);
  });
});

describe('keys: the local key files have the specs of the KMS keys', () => {
  test('data: 32-byte AES key ⇔ SYMMETRIC_DEFAULT (AES-256-GCM); HMAC: 32 bytes ⇔ HMAC_256; signing: EC P-256 ⇔ ECC_NIST_P256', async () => {
    const keyDir = join(dir, 'keys');
    const local = await loadLocalKeys(keyDir);
    await new LocalSigner(keyDir).publicKeyPem();
    const signing = createPrivateKey(await readFile(join(keyDir, LOCAL_SIGNING_KEY_FILE), 'utf8'));
    await new LocalSigner(keyDir, LOCAL_RECEIPT_KEY_FILE).publicKeyPem();
    const receipts = createPrivateKey(await readFile(join(keyDir, LOCAL_RECEIPT_KEY_FILE), 'utf8'));
    await new LocalSigner(keyDir, LOCAL_WEBHOOK_KEY_FILE).publicKeyPem();
    const webhooks = createPrivateKey(await readFile(join(keyDir, LOCAL_WEBHOOK_KEY_FILE), 'utf8'));
    const p256 = (k: typeof signing) =>
      k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? 'ECC_NIST_P256'
        : `${k.asymmetricKeyType}/${k.asymmetricKeyDetails?.namedCurve}`;

    const specOf = {
      data: local.data.length === 32 ? 'SYMMETRIC_DEFAULT' : `AES-${local.data.length * 8}`,
      hmac: `HMAC_${local.hmac.length * 8}`,
      signing: p256(signing),
      receipts: p256(receipts),
      webhooks: p256(webhooks),
    };
    const usageOf = {
      data: 'ENCRYPT_DECRYPT',
      hmac: 'GENERATE_VERIFY_MAC',
      signing: 'SIGN_VERIFY',
      receipts: 'SIGN_VERIFY',
      webhooks: 'SIGN_VERIFY',
    };
    for (const name of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      const cloud = propsOf(logicalId(stack.keys[name]));
      assert.equal(specOf[name], cloud['KeySpec'], name);
      assert.equal(usageOf[name], cloud['KeyUsage'], name);
      assert.equal(KEYS[name].spec, cloud['KeySpec'], name);
    }
  });
});
