/**
 * The audit sealer and verifier on the local stack: records appended through the real
 * DynamoAuditLog into dynalite, sealed with the local EC key into the write-once folder store,
 * then tampered with directly in dynalite (raw UpdateItem / PutItem / DeleteItem through the
 * DynamoDB client, as an intruder with table access would) and verified again.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { handler as sealerHandler } from '../../functions/audit-sealer/handler.js';
import { DynamoAuditSource } from '../../shared/adapters/aws/dynamodb-audit-source.js';
import { KmsSigner } from '../../shared/adapters/aws/kms-signer.js';
import { S3CheckpointStore } from '../../shared/adapters/aws/s3-checkpoints.js';
import {
  auditSealPorts,
  localCheckpointDir,
  type AuditSealPorts,
} from '../../shared/composition/compose-audit.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { FolderCheckpointStore } from '../../shared/adapters/local/folder-checkpoints.js';
import { LOCAL_SIGNING_KEY_FILE } from '../../shared/adapters/local/signer.js';
import { AUDIT_CHECKPOINTS, ENV } from '../../shared/config/resources.js';
import {
  buildCheckpoint,
  canonicalBytes,
  pemVerifier,
  type CheckpointBody,
} from '../../shared/domain/audit-chain.js';
import { CheckpointExistsError, type CheckpointStore } from '../../shared/ports/audit-seal.js';
import type { AuditLog, AuditRecord } from '../../shared/ports/index.js';
import { ChainIntegrityError, sealAudit, verifyAudit } from '../../shared/use-cases/audit-seal.js';
import { runFullVerification } from '../../shared/use-cases/audit-verify.js';
import { withStack } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 24 * 3600 * 1000;

function auditRecord(id: string, at: Date, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    at: at.toISOString(),
    actor: { id: 'inst-client-1', role: 'institution', institution: 'UGENT' },
    action: 'credit.read',
    subject: createHash('sha256').update(id).digest('hex'),
    purpose: 'enrolment',
    outcome: 'ALLOWED',
    requestId: `req-${id}`,
    ...extra,
  };
}

describe('audit sealing and verification on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let ports: AuditSealPorts;
  let audit: AuditLog;
  let raw: DynamoDBClient;
  let table: string;
  let pem: string;
  const t0 = Date.now();
  const sealed: AuditRecord[] = [];

  const verify = (extra: { publicKeyPem?: string } = {}) =>
    verifyAudit({
      audit: ports.audit,
      checkpoints: ports.checkpoints,
      publicKeyPem: extra.publicKeyPem ?? pem,
    });
  const key = (id: string) => ({ id: { S: id } });
  const rawGet = async (id: string) =>
    (await raw.send(new GetItemCommand({ TableName: table, Key: key(id), ConsistentRead: true }))).Item!;
  const rawSet = (id: string, attribute: string, value: AttributeValue) =>
    raw.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key(id),
        UpdateExpression: 'SET #a = :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': value },
      }),
    );

  before(async () => {
    stack = await withStack();
    process.env[AUDIT_CHECKPOINTS.localEnv] = join(stack.dataDir, 'audit-checkpoints');
    ports = await auditSealPorts();
    audit = (await intakeDeps()).audit;
    table = stack.state.tables.audit;
    raw = new DynamoDBClient({
      endpoint: stack.state.dynamoEndpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'intruder', secretAccessKey: 'intruder' },
    });
    pem = await ports.signer.publicKeyPem();
  });

  after(async () => {
    raw?.destroy();
    delete process.env[AUDIT_CHECKPOINTS.localEnv];
    await stack?.dispose();
  });

  it('wires the local signer and folder store from the environment', async () => {
    assert.equal(localCheckpointDir(), join(stack.dataDir, 'audit-checkpoints'));
    const keyFile = join(process.env[ENV.localKeyDir]!, LOCAL_SIGNING_KEY_FILE);
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);
    // The same key on the next start (no new key per process).
    assert.equal(await (await auditSealPorts()).signer.publicKeyPem(), pem);
  });

  it('seals appended records into signed, write-once checkpoints, across day partitions', async () => {
    // Checkpoint 1: ten records three days ago (the first run reads the whole table).
    const start = t0 - 3 * DAY;
    for (let i = 0; i < 10; i++) {
      const r = auditRecord(`rec-${String(i).padStart(2, '0')}`, new Date(start + i * 60_000));
      await audit.append(r);
      sealed.push(r);
    }
    const first = await sealAudit({ ...ports, now: new Date(start + 20 * 60_000) });
    assert.equal(first.status, 'sealed');
    assert.equal(first.status === 'sealed' && first.count, 10);

    // Checkpoint 2: records spread over the following days (read through the byDay index).
    for (let i = 10; i < 20; i++) {
      const r = auditRecord(`rec-${i}`, new Date(start + 30 * 60_000 + (i - 10) * 7 * 3600_000));
      await audit.append(r);
      sealed.push(r);
    }
    const second = await sealAudit({ ...ports, now: new Date() });
    assert.deepEqual(second.status === 'sealed' && [second.sequence, second.count], [2, 10]);
    assert.equal((await sealAudit({ ...ports, now: new Date() })).status, 'nothing-to-seal');

    const dir = localCheckpointDir();
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, ['000000000001.json', '000000000002.json']);
    for (const f of files) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o444);
    const stored = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as { body: CheckpointBody };
    assert.deepEqual(
      stored.body.records.map((e) => e.id),
      sealed.slice(0, 10).map((r) => r.id),
    );

    const result = await verify();
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.checkedRecords, 20);
    assert.equal(result.checkedCheckpoints, 2);
  });

  it('the scheduled sealer function seals what arrived since', async () => {
    const r = auditRecord('rec-handler', new Date(Date.now() - 4000));
    await audit.append(r);
    sealed.push(r);
    await sleep(1100); // older than now − grace (5 s)
    const event = {
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date().toISOString(),
    } as unknown as ScheduledEvent;
    const context = {
      functionName: 'audit-sealer',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:audit-sealer',
      memoryLimitInMB: '256',
      awsRequestId: 'req-sealer-1',
      logGroupName: '/aws/lambda/audit-sealer',
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 60_000,
    } as unknown as Context;
    const out = await sealerHandler(event, context);
    const { counted, tiles, ...sealedRun } = out;
    assert.deepEqual(sealedRun, { checkpoints: 1, records: 1, latestSequence: 3, more: false });
    assert.equal(counted, 3, 'the per-day counters catch up with every checkpoint sealed so far');
    // So do the Merkle tiles: checkpoints 1–2 were sealed without them (sealAudit alone).
    assert.equal(tiles?.checkpoints, 3);
    assert.equal(tiles?.pointer?.sequence, 3);
    // It verified what it sealed and stored that head as verified (in the control table).
    assert.equal((await ports.verifiedHead?.get())?.sequence, 3);
  });

  it('leaves records younger than the grace window pending', async () => {
    const r = auditRecord('rec-fresh', new Date());
    await audit.append(r);
    sealed.push(r);
    assert.equal((await sealAudit({ ...ports })).status, 'nothing-to-seal');
    const result = await verify();
    assert.equal(result.ok, true);
    assert.equal(result.pending, 1);
  });

  it('concurrent sealers write one checkpoint per sequence and keep the chain intact', async () => {
    for (let i = 0; i < 5; i++) {
      const r = auditRecord(`rec-c${i}`, new Date(Date.now() - 100 + i));
      await audit.append(r);
      sealed.push(r);
    }
    const now = new Date(Date.now() + 6000);
    // Every sealer reads the same latest checkpoint before any of them writes (a barrier).
    let arrived = 0;
    let release!: () => void;
    const allRead = new Promise<void>((resolve) => (release = resolve));
    const racing: CheckpointStore = {
      put: (s, b, sig) => ports.checkpoints.put(s, b, sig),
      list: () => ports.checkpoints.list(),
      latest: async () => {
        const latest = await ports.checkpoints.latest();
        if (++arrived === 4) release();
        await allRead;
        return latest;
      },
    };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => sealAudit({ ...ports, checkpoints: racing, now })),
    );
    assert.equal(results.filter((r) => r.status === 'sealed').length, 1);
    // The three losers each lost one put, re-read the chain and found nothing left.
    assert.deepEqual(
      results.map((r) => r.conflicts),
      results.map((r) => (r.status === 'sealed' ? 0 : 1)),
    );
    const files = await readdir(localCheckpointDir());
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 4);
    assert.equal(
      files.some((f) => f.startsWith('.tmp')),
      false,
    );
    const result = await verify();
    assert.equal(result.ok, true);
    assert.equal(result.checkedRecords, sealed.length);
    assert.equal(result.pending, 0);

    // The store itself never overwrites.
    const latest = await ports.checkpoints.latest();
    await assert.rejects(
      ports.checkpoints.put(4, latest!.body as CheckpointBody, latest!.signature),
      CheckpointExistsError,
    );
  });

  it('verifies offline with only the exported public key (and fails with another)', async () => {
    const exported = join(stack.dataDir, 'audit-signing-key.pub.pem');
    await writeFile(exported, pem);
    const offline = await verifyAudit({
      audit: new DynamoAuditSource(raw, table),
      checkpoints: new FolderCheckpointStore(localCheckpointDir()),
      publicKeyPem: await readFile(exported, 'utf8'),
    });
    assert.equal(offline.ok, true);
    assert.equal(offline.checkedCheckpoints, 4);

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const wrong = await verify({ publicKeyPem: other });
    assert.deepEqual(
      wrong.problems.map((p) => `${p.kind}:${p.checkpoint}`),
      ['BAD_SIGNATURE:1', 'BAD_SIGNATURE:2', 'BAD_SIGNATURE:3', 'BAD_SIGNATURE:4'],
    );
  });

  it('names a record edited directly in dynalite, and passes again once it is restored', async () => {
    const victim = sealed[5]!;
    const original = (await rawGet(victim.id)).outcome!;
    await rawSet(victim.id, 'outcome', { S: 'DENIED' });
    const result = await verify();
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.firstProblem && [
        result.firstProblem.kind,
        result.firstProblem.recordId,
        result.firstProblem.checkpoint,
      ],
      ['ALTERED', victim.id, 1],
    );
    assert.equal(result.problems.length, 1);
    await rawSet(victim.id, 'outcome', original);
    assert.equal((await verify()).ok, true);
  });

  it('sees a changed attribute type, an added attribute and a wrong day index value', async () => {
    const victim = sealed[12]!;
    const before = await rawGet(victim.id);
    for (const [attribute, value] of [
      ['details', { M: { status: { S: '200' }, fields: { S: 'balance' } } }],
      ['comment', { S: 'added later' }],
      ['day', { S: '1999-01-01' }],
    ] as const) {
      await rawSet(victim.id, attribute, value);
      const result = await verify();
      assert.deepEqual(
        result.problems.map((p) => `${p.kind}:${p.recordId}`),
        [`ALTERED:${victim.id}`],
        attribute,
      );
      await raw.send(new PutItemCommand({ TableName: table, Item: before }));
    }
    assert.equal((await verify()).ok, true);
  });

  it('names a back-dated record inserted with PutItem, a deleted one, and two swapped ones', async () => {
    const a = sealed[2]!;
    const b = sealed[8]!;
    const forgedAt = new Date(Date.parse(a.at) + 1).toISOString();
    const forged = { ...auditRecord('rec-forged', new Date(forgedAt)) };
    await raw.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          id: { S: forged.id },
          at: { S: forged.at },
          day: { S: forged.at.slice(0, 10) },
          action: { S: forged.action },
          purpose: { S: forged.purpose },
          outcome: { S: forged.outcome },
          requestId: { S: forged.requestId },
          actor: { M: { id: { S: 'x' }, role: { S: 'operator' } } },
        },
      }),
    );
    let result = await verify();
    assert.deepEqual(
      result.problems.map((p) => `${p.kind}:${p.recordId}`),
      ['INSERTED:rec-forged'],
    );
    assert.equal(result.firstProblem?.checkpoint, 1);
    await raw.send(new DeleteItemCommand({ TableName: table, Key: key('rec-forged') }));

    const deleted = sealed[15]!;
    const item = await rawGet(deleted.id);
    await raw.send(new DeleteItemCommand({ TableName: table, Key: key(deleted.id) }));
    result = await verify();
    assert.deepEqual(
      result.problems.map((p) => `${p.kind}:${p.recordId}`),
      [`REMOVED:${deleted.id}`],
    );
    await raw.send(new PutItemCommand({ TableName: table, Item: item }));

    // Swap: exchange the two records' times (and their day index values).
    const itemA = await rawGet(a.id);
    const itemB = await rawGet(b.id);
    await raw.send(
      new PutItemCommand({ TableName: table, Item: { ...itemA, at: itemB.at!, day: itemB.day! } }),
    );
    await raw.send(
      new PutItemCommand({ TableName: table, Item: { ...itemB, at: itemA.at!, day: itemA.day! } }),
    );
    result = await verify();
    assert.deepEqual(result.firstProblem && [result.firstProblem.kind, result.firstProblem.recordId], [
      'REORDERED',
      a.id,
    ]);
    assert.deepEqual(
      result.problems.map((p) => `${p.kind}:${p.recordId}`).sort(),
      [`ALTERED:${a.id}`, `ALTERED:${b.id}`, `REORDERED:${a.id}`, `REORDERED:${b.id}`].sort(),
    );
    await raw.send(new PutItemCommand({ TableName: table, Item: itemA }));
    await raw.send(new PutItemCommand({ TableName: table, Item: itemB }));
    assert.equal((await verify()).ok, true);
  });

  it('the full verification sweeps dynalite (parallel Scan): a record back-dated years before the log and one without a day attribute are found', async () => {
    const put = (id: string, at: string, withDay: boolean) =>
      raw.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            id: { S: id },
            at: { S: at },
            ...(withDay ? { day: { S: at.slice(0, 10) } } : {}),
            action: { S: 'credit.read' },
            purpose: { S: 'audit' },
            outcome: { S: 'ALLOWED' },
            requestId: { S: `req-${id}` },
            actor: { M: { id: { S: 'x' }, role: { S: 'operator' } } },
          },
        }),
      );
    await put('rec-2019', '2019-03-01T08:00:00.000Z', true);
    await put('rec-no-day', sealed[5]!.at.replace(/\d{3}Z$/, '001Z'), false);
    await ports.fullVerification!.request(new Date().toISOString());
    let step;
    let runs = 0;
    do
      step = await runFullVerification(
        ports as Parameters<typeof runFullVerification>[0],
        () => new Date(),
        () => true,
      );
    while (step.status === 'running' && ++runs < 50);
    assert.equal(step.status, 'finished');
    const result = step.status === 'finished' ? step.result : undefined;
    assert.deepEqual(result?.problems.map((p) => `${p.kind}:${p.recordId}`).sort(), [
      'INSERTED:rec-2019',
      'INSERTED:rec-no-day',
    ]);
    assert.ok((result?.sweptRecords ?? 0) >= sealed.length + 2);
    await raw.send(new DeleteItemCommand({ TableName: table, Key: key('rec-2019') }));
    await raw.send(new DeleteItemCommand({ TableName: table, Key: key('rec-no-day') }));
  });

  it('the folder store keeps day bundles write-once beside the checkpoints', async () => {
    const store = new FolderCheckpointStore(localCheckpointDir());
    const first = (await store.list()).slice(0, 2);
    const dir = join(stack.dataDir, 'day-bundle-test');
    const days = new FolderCheckpointStore(dir);
    const bundle = { day: '2025-01-01', first: 1, last: 2, checkpoints: first };
    await days.putDay(bundle);
    await assert.rejects(days.putDay(bundle), CheckpointExistsError);
    assert.equal(await days.lastDayEnd(), 2);
    assert.deepEqual(
      (await days.dayHolding(1))?.checkpoints.map((c) => c.sequence),
      [1, 2],
    );
    assert.equal(await days.dayHolding(3), undefined);
    assert.equal((await stat(join(dir, '-daily', '000000000002.json'))).mode & 0o777, 0o444);
    assert.deepEqual(await days.list(), []);
  });

  it('a tampered checkpoint file is reported, and the sealer refuses to chain onto it', async () => {
    const file = join(localCheckpointDir(), '000000000004.json');
    const text = await readFile(file, 'utf8');
    await chmod(file, 0o644);
    const stored = JSON.parse(text) as { body: CheckpointBody; signature: string };
    await writeFile(
      file,
      JSON.stringify({ ...stored, body: { ...stored.body, sealedAt: new Date().toISOString() } }),
    );
    const result = await verify();
    assert.deepEqual(result.firstProblem && [result.firstProblem.kind, result.firstProblem.checkpoint], [
      'BAD_SIGNATURE',
      4,
    ]);
    await audit.append(auditRecord('rec-after-tamper', new Date(Date.now() + 2000)));
    await assert.rejects(sealAudit({ ...ports, now: new Date(Date.now() + 60_000) }), ChainIntegrityError);
    await writeFile(file, text);
    await chmod(file, 0o444);
    assert.equal((await verify()).ok, true);
  });
});

describe('S3 checkpoint store against s3rver', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let s3: S3Client;

  before(async () => {
    stack = await withStack();
    s3 = new S3Client({
      endpoint: stack.state.s3Endpoint,
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'audit-checkpoints' }));
  });

  after(async () => {
    s3?.destroy();
    await stack?.dispose();
  });

  it('files checkpoints under checkpoints/<12 digits>.json and finds the latest', async () => {
    const store = new S3CheckpointStore(s3, 'audit-checkpoints', {
      prefix: AUDIT_CHECKPOINTS.prefix,
    });
    assert.equal(await store.latest(), undefined);
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let previous: CheckpointBody | undefined;
    for (let i = 1; i <= 5; i++) {
      const at = new Date(Date.UTC(2025, 0, i)).toISOString();
      const body = buildCheckpoint(previous, [{ id: `r${i}`, at }], at);
      await store.put(
        i,
        body,
        sign('sha256', canonicalBytes(body), { key: keys.privateKey, dsaEncoding: 'der' }),
      );
      previous = body;
    }
    const listed = await store.list();
    assert.deepEqual(
      listed.map((c) => c.sequence),
      [1, 2, 3, 4, 5],
    );
    const check = pemVerifier(keys.publicKey);
    assert.ok(listed.every((c) => check(canonicalBytes(c.body), c.signature)));
    // A fresh store (cold Lambda) finds the latest by probing, then listing after it.
    const cold = new S3CheckpointStore(s3, 'audit-checkpoints', {
      prefix: AUDIT_CHECKPOINTS.prefix,
    });
    assert.equal((await cold.latest())?.sequence, 5);
  });

  it('keeps day bundles under checkpoints/-daily/ beside the checkpoints, without changing how the latest checkpoint is found', async () => {
    const store = new S3CheckpointStore(s3, 'audit-checkpoints', { prefix: AUDIT_CHECKPOINTS.prefix });
    const listed = await store.list();
    assert.equal(await store.lastDayEnd(), 0);
    assert.equal(await store.dayHolding(1), undefined);
    await store.putDay({ day: '2025-01-01', first: 1, last: 2, checkpoints: listed.slice(0, 2) });
    const first = await store.dayHolding(1);
    assert.deepEqual([first?.day, first?.first, first?.last], ['2025-01-01', 1, 2]);
    assert.deepEqual(
      first?.checkpoints.map((c) => c.sequence),
      [1, 2],
    );
    assert.deepEqual(first?.checkpoints[1]?.body, listed[1]?.body);
    assert.equal(
      Buffer.from(first!.checkpoints[1]!.signature).toString('hex'),
      Buffer.from(listed[1]!.signature).toString('hex'),
    );
    await store.putDay({ day: '2025-01-03', first: 3, last: 4, checkpoints: listed.slice(2, 4) });
    assert.deepEqual(
      (await store.dayHolding(3))?.checkpoints.map((c) => c.sequence),
      [3, 4],
    );
    assert.equal(await store.dayHolding(5), undefined);
    const cold = new S3CheckpointStore(s3, 'audit-checkpoints', { prefix: AUDIT_CHECKPOINTS.prefix });
    assert.equal(await cold.lastDayEnd(), 4);
    // Bundle keys sort before the checkpoints' own: the latest and the listing are unchanged.
    assert.equal((await cold.latest())?.sequence, 5);
    assert.deepEqual(
      (await cold.list()).map((c) => c.sequence),
      [1, 2, 3, 4, 5],
    );
    // (s3rver answers a truncated ListObjectsV2 — more keys than MaxKeys — with a 500, so the
    // lookup among several bundles is checked against the request AWS gets, below.)
  });

  it('finds the bundle holding a sequence with one LIST (StartAfter the previous sequence, one key) and one GET', async () => {
    const mock = mockClient(S3Client);
    try {
      const store = new S3CheckpointStore(new S3Client({ region: 'eu-west-1' }), 'bucket', {
        prefix: AUDIT_CHECKPOINTS.prefix,
      });
      mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'checkpoints/-daily/000000002880.json' }] });
      mock.on(GetObjectCommand).resolves({
        Body: {
          transformToString: async () =>
            JSON.stringify({
              version: 1,
              kind: 'audit-day',
              day: '2025-01-02',
              first: 1441,
              last: 2880,
              checkpoints: [],
            }),
        },
      } as never);
      const b = await store.dayHolding(2000);
      assert.deepEqual([b?.day, b?.first, b?.last], ['2025-01-02', 1441, 2880]);
      const list = mock.commandCalls(ListObjectsV2Command)[0]!.args[0].input;
      assert.deepEqual(
        [list.Prefix, list.StartAfter, list.MaxKeys],
        ['checkpoints/-daily/', 'checkpoints/-daily/000000001999.json', 1],
      );
      assert.equal(
        mock.commandCalls(GetObjectCommand)[0]!.args[0].input.Key,
        'checkpoints/-daily/000000002880.json',
      );
    } finally {
      mock.restore();
    }
  });

  it('s3rver ignores If-None-Match and Object Lock (why the local stack keeps checkpoints in a folder)', async () => {
    const put = (body: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: 'audit-checkpoints',
          Key: 'probe/once.json',
          Body: body,
          IfNoneMatch: '*',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(Date.now() + DAY),
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    await put('first');
    await put('second'); // AWS: 412 PreconditionFailed
    const r = await s3.send(new GetObjectCommand({ Bucket: 'audit-checkpoints', Key: 'probe/once.json' }));
    assert.equal(await r.Body?.transformToString(), 'second');
  });

  it("puts with If-None-Match and a checksum, and leaves the retention to the bucket's Object Lock default", async () => {
    const sent: Record<string, unknown>[] = [];
    const fake = {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push(command.input);
        if (sent.length === 2)
          throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
            name: 'PreconditionFailed',
            $metadata: { httpStatusCode: 412 },
          });
        return {};
      },
    } as unknown as S3Client;
    const now = new Date('2025-06-01T12:00:00.000Z');
    const store = new S3CheckpointStore(fake, 'b', { prefix: 'checkpoints/' });
    const body = buildCheckpoint(undefined, [], now.toISOString());
    await store.put(1, body, new Uint8Array([1]));
    await assert.rejects(store.put(1, body, new Uint8Array([1])), CheckpointExistsError);
    assert.equal(sent[0]!.Key, 'checkpoints/000000000001.json');
    assert.equal(sent[0]!.IfNoneMatch, '*');
    assert.equal(sent[0]!.ChecksumAlgorithm, 'SHA256');
    // The bucket's default (COMPLIANCE, 20 years or a test environment's days) applies: a
    // per-object date would override a test environment's shorter setting with 20 years.
    assert.equal(sent[0]!.ObjectLockMode, undefined);
    assert.equal(sent[0]!.ObjectLockRetainUntilDate, undefined);
  });
});

describe('KMS signer', () => {
  it('signs RAW up to 4096 bytes and by DIGEST beyond; signatures verify with the exported PEM', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kms = mockClient(KMSClient);
    const seen: { type?: string; length: number }[] = [];
    kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType?: string }) => {
      seen.push({ ...(input.MessageType ? { type: input.MessageType } : {}), length: input.Message.length });
      // KMS signs SHA-256(message) for RAW and the given SHA-256 digest for DIGEST: both are a
      // signature over the original message, which the fake signs locally.
      return { Signature: sign('sha256', pending!, { key: keys.privateKey, dsaEncoding: 'der' }) };
    });
    kms.on(GetPublicKeyCommand).resolves({
      KeySpec: 'ECC_NIST_P256',
      PublicKey: keys.publicKey.export({ type: 'spki', format: 'der' }),
    });
    let pending: Uint8Array | undefined;
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), 'alias/test');
    const pem = await signer.publicKeyPem();
    const check = pemVerifier(pem);
    for (const size of [100, 4096, 50_000]) {
      pending = new Uint8Array(size).fill(7);
      const sig = await signer.sign(pending);
      assert.ok(check(pending, sig));
    }
    assert.deepEqual(seen, [
      { type: 'RAW', length: 100 },
      { type: 'RAW', length: 4096 },
      { type: 'DIGEST', length: 32 },
    ]);
    kms.restore();
  });
});
