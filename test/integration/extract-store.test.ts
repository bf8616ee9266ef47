/**
 * The extracts-bucket adapter against s3rver: a read is one GetObject (the size comes with its
 * headers), an object over the limit is refused without reading its body and without leaving the
 * connection stuck, and deleting falls back to a plain delete where versions cannot be listed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig, startEmulators, type Emulators } from '../../infra/local/emulators.js';
import { S3ExtractStore } from '../../shared/adapters/aws/s3-extracts.js';

describe('S3 extract store against s3rver', () => {
  let dir: string;
  let emulators: Emulators;
  let s3: S3Client;
  let store: S3ExtractStore;
  const commands: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'extract-store-'));
    emulators = await startEmulators({ dataDir: dir, s3Port: 0, dynamoPort: 0 });
    // Two sockets only: a refused object whose body were left unread would hold one for good.
    s3 = new S3Client({
      ...localS3ClientConfig(emulators),
      maxAttempts: 1,
      requestHandler: {
        httpAgent: new Agent({ keepAlive: true, maxSockets: 2 }),
        requestTimeout: 5000,
        throwOnRequestTimeout: true,
      },
    });
    s3.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    store = new S3ExtractStore(s3, emulators.bucket);
  });

  after(async () => {
    s3?.destroy();
    await emulators?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an extract with one GetObject', async () => {
    const bytes = new Uint8Array(2048).fill(37);
    await store.put('incoming/griffie-test/0store00001-aaaaaaaaaaaaaaaa.pdf', bytes);
    commands.length = 0;
    const r = await store.get('incoming/griffie-test/0store00001-aaaaaaaaaaaaaaaa.pdf', 10_000);
    assert.ok(r && !('tooLarge' in r));
    assert.deepEqual(r.bytes, bytes);
    assert.deepEqual(commands, ['GetObjectCommand']);
  });

  it('refuses an object over the limit by its size, without reading it, and keeps working', async () => {
    const key = 'incoming/griffie-test/0store00002-aaaaaaaaaaaaaaaa.pdf';
    await store.put(key, new Uint8Array(64 * 1024).fill(1));
    for (let i = 0; i < 12; i++) {
      // More refusals than the client has sockets: a body left unread would block the next call.
      assert.deepEqual(await store.get(key, 1024), { size: 64 * 1024, tooLarge: true });
    }
    const small = await store.get('incoming/griffie-test/0store00001-aaaaaaaaaaaaaaaa.pdf', 10_000);
    assert.ok(small && !('tooLarge' in small) && small.size === 2048);
    assert.equal(await store.get('incoming/griffie-test/0store00003-missing0000000000.pdf', 1024), undefined);
  });

  it('deletes where versions cannot be listed, and asks only once', async () => {
    const keys = ['0store00004-aaaaaaaaaaaaaaaa', '0store00005-aaaaaaaaaaaaaaaa'].map(
      (id) => `incoming/griffie-test/${id}.pdf`,
    );
    for (const k of keys) await store.put(k, new Uint8Array([37, 80, 68, 70]));
    commands.length = 0;
    assert.equal(await store.deleteAllVersions(keys[0]!), 1);
    assert.equal(await store.deleteAllVersions(keys[1]!), 1);
    assert.equal(await store.deleteAllVersions(keys[1]!), 0);
    assert.equal(commands.filter((c) => c === 'ListObjectVersionsCommand').length, 1);
    for (const k of keys) assert.equal(await store.exists(k), false);
  });
});
