import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { LIMITS } from '../../shared/config/resources.js';
import { LocalQueue, type LocalQueueOptions, type QueueHandler } from '../../infra/local/queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'local-queue-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function queue(dataDir: string, options: Partial<LocalQueueOptions> = {}): LocalQueue {
  const q = new LocalQueue({
    dataDir,
    retryDelayMs: 10,
    pauseCheckIntervalMs: 20,
    onError: () => undefined,
    ...options,
  });
  cleanups.push(() => q.stop({ timeoutMs: 100 }));
  return q;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A handler that records every delivery and answers with `decide`. */
function recorder(decide: (record: SQSRecord) => 'ok' | 'fail' = () => 'ok'): {
  handler: QueueHandler;
  deliveries: SQSRecord[];
  batches: SQSRecord[][];
} {
  const deliveries: SQSRecord[] = [];
  const batches: SQSRecord[][] = [];
  const handler: QueueHandler = async (event) => {
    batches.push(event.Records);
    deliveries.push(...event.Records);
    const failures = event.Records.filter((r) => decide(r) === 'fail');
    return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
  };
  return { handler, deliveries, batches };
}

const bodies = (records: SQSRecord[]): string[] => records.map((r) => r.body).sort();

describe('LocalQueue', () => {
  it('delivers real-shaped SQS records and deletes them after success', async () => {
    const q = queue(await tempDir());
    const id = await q.send('{"hello":"world"}');
    const { handler, deliveries } = recorder();
    await q.start(handler);
    await q.drain(5000);

    assert.equal(deliveries.length, 1);
    const record = deliveries[0]!;
    assert.equal(record.messageId, id);
    assert.equal(record.body, '{"hello":"world"}');
    assert.equal(record.eventSource, 'aws:sqs');
    assert.equal(record.eventSourceARN, 'arn:aws:sqs:local:000000000000:intake');
    assert.equal(record.awsRegion, 'local');
    assert.equal(record.md5OfBody, createHash('md5').update('{"hello":"world"}').digest('hex'));
    assert.ok(record.receiptHandle.length > 20);
    assert.deepEqual(record.messageAttributes, {});
    assert.equal(record.attributes.ApproximateReceiveCount, '1');
    assert.match(record.attributes.SentTimestamp, /^\d{13}$/);
    assert.match(record.attributes.ApproximateFirstReceiveTimestamp, /^\d{13}$/);
    assert.deepEqual(q.stats(), { visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 });
  });

  it('retries a failing message and dead-letters it after three receives', async () => {
    const q = queue(await tempDir());
    const { handler, deliveries } = recorder((r) => (r.body === 'poison' ? 'fail' : 'ok'));
    await q.start(handler);
    await q.send('poison');
    await q.send('fine');
    await q.drain(5000);

    const poison = deliveries.filter((r) => r.body === 'poison');
    assert.equal(LIMITS.maxReceives, 3);
    assert.deepEqual(
      poison.map((r) => r.attributes.ApproximateReceiveCount),
      ['1', '2', '3'],
    );
    assert.equal(new Set(poison.map((r) => r.messageId)).size, 1);
    assert.equal(new Set(poison.map((r) => r.receiptHandle)).size, 3, 'a new receipt handle per receive');
    assert.equal(new Set(poison.map((r) => r.attributes.ApproximateFirstReceiveTimestamp)).size, 1);
    assert.equal(deliveries.filter((r) => r.body === 'fine').length, 1);
    assert.deepEqual(q.stats(), { visible: 0, inFlight: 0, delayed: 0, deadLetters: 1 });
    const [dead] = await q.deadLetters();
    assert.equal(dead?.body, 'poison');
    assert.equal(dead?.receiveCount, 3);
  });

  it('redelivers only the messages listed in batchItemFailures', async () => {
    const q = queue(await tempDir());
    for (const body of ['a', 'b', 'c', 'd']) await q.send(body);
    let firstBatch = true;
    const { handler, batches } = recorder((r) =>
      firstBatch && (r.body === 'b' || r.body === 'd') ? 'fail' : 'ok',
    );
    await q.start(async (event, context) => {
      const result = await handler(event, context);
      firstBatch = false;
      return result;
    });
    await q.drain(5000);

    assert.equal(batches.length, 2);
    assert.deepEqual(bodies(batches[0]!), ['a', 'b', 'c', 'd']);
    assert.deepEqual(bodies(batches[1]!), ['b', 'd']);
    assert.deepEqual(
      batches[1]!.map((r) => r.attributes.ApproximateReceiveCount),
      ['2', '2'],
    );
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const q = queue(await tempDir());
    for (const body of ['a', 'b', 'c']) await q.send(body);
    const batches: string[][] = [];
    await q.start(async (event) => {
      batches.push(bodies(event.Records));
      if (batches.length === 1) throw new Error('boom');
    });
    await q.drain(5000);

    assert.deepEqual(batches, [
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    assert.equal(q.stats().deadLetters, 0);
  });

  it('fails the whole batch when batchItemFailures names an unknown message, as Lambda does', async () => {
    const q = queue(await tempDir(), { maxReceives: 2 });
    for (const body of ['a', 'b']) await q.send(body);
    let calls = 0;
    await q.start(async (): Promise<SQSBatchResponse> => {
      calls++;
      return { batchItemFailures: calls === 1 ? [{ itemIdentifier: 'not-in-this-batch' }] : [] };
    });
    await q.drain(5000);
    assert.equal(calls, 2);
    assert.equal(q.stats().deadLetters, 0);
  });

  it('treats a handler that exceeds its timeout as a failed batch', async () => {
    const q = queue(await tempDir(), { handlerTimeoutMs: 50 });
    await q.send('slow');
    const counts: string[] = [];
    await q.start(async (event, context) => {
      counts.push(event.Records[0]!.attributes.ApproximateReceiveCount);
      assert.ok(context.getRemainingTimeInMillis() <= 50);
      if (counts.length === 1) await sleep(200);
    });
    await q.drain(5000);
    assert.deepEqual(counts, ['1', '2']);
  });

  it('delivers nothing while paused, keeps queueing, and delivers the backlog on resume', async () => {
    const q = queue(await tempDir());
    const { handler, deliveries } = recorder();
    q.pause();
    await q.start(handler);
    for (let i = 0; i < 7; i++) await q.send(`m${i}`);
    await sleep(100);
    assert.equal(deliveries.length, 0);
    assert.equal(q.isPaused(), true);
    assert.deepEqual(q.stats(), { visible: 7, inFlight: 0, delayed: 0, deadLetters: 0 });

    q.resume();
    await q.drain(5000);
    assert.equal(deliveries.length, 7);
    assert.deepEqual(bodies(deliveries), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('obeys the isPaused hook, and treats a failing hook as paused', async () => {
    let state: boolean | Error = true;
    const q = queue(await tempDir(), {
      isPaused: async () => {
        if (state instanceof Error) throw state;
        return state;
      },
    });
    const { handler, deliveries } = recorder();
    for (let i = 0; i < 3; i++) await q.send(`m${i}`);
    await q.start(handler);
    await sleep(80);
    assert.equal(deliveries.length, 0, 'paused by the hook from the very first check');

    state = new Error('control table unreachable');
    await sleep(80);
    assert.equal(deliveries.length, 0);
    assert.equal(q.isPaused(), true);

    state = false;
    await q.drain(5000);
    assert.equal(deliveries.length, 3);
  });

  it('processes up to the configured number of batches concurrently', async () => {
    const q = queue(await tempDir(), { batchSize: 1, concurrency: 2 });
    for (let i = 0; i < 6; i++) await q.send(`m${i}`);
    let running = 0;
    let maxRunning = 0;
    await q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running--;
    });
    await q.drain(5000);
    assert.equal(maxRunning, 2);
  });

  it('keeps visible, in-flight and dead-lettered messages across a stop and a new queue on the same dataDir', async () => {
    const dataDir = await tempDir();
    const first = queue(dataDir, { maxReceives: 1, batchSize: 1 });
    await first.start(async (event) => {
      const body = event.Records[0]!.body;
      if (body === 'dead') throw new Error('always fails');
      if (body === 'hang') await new Promise(() => undefined); // the "process" dies while this runs
    });
    await first.send('dead');
    await waitFor(() => first.stats().deadLetters === 1);
    await first.send('hang');
    await waitFor(() => first.stats().inFlight === 1);
    first.pause();
    await first.send('queued');
    await first.stop({ timeoutMs: 20 }); // abandons the hanging batch

    // A crash in the middle of an append leaves a torn last line; it was never acknowledged.
    await appendFile(join(dataDir, 'queue', 'intake.journal.ndjson'), '{"t":"put","m":{"id":"torn');

    const second = queue(dataDir);
    await second.open();
    assert.deepEqual(second.stats(), { visible: 2, inFlight: 0, delayed: 0, deadLetters: 1 });
    const { handler, deliveries } = recorder();
    await second.start(handler);
    await second.drain(5000);
    assert.deepEqual(bodies(deliveries), ['hang', 'queued']);
    const hang = deliveries.find((r) => r.body === 'hang')!;
    assert.equal(hang.attributes.ApproximateReceiveCount, '2', 'the receive before the crash counts');
    assert.deepEqual(
      (await second.deadLetters()).map((d) => d.body),
      ['dead'],
    );
    assert.doesNotMatch(await readFile(join(dataDir, 'queue', 'intake.journal.ndjson'), 'utf8'), /torn/);
  });

  it('keeps a pending retry delay across a restart', async () => {
    const dataDir = await tempDir();
    const first = queue(dataDir, { retryDelayMs: 60_000 });
    await first.send('later');
    await first.start(async () => {
      throw new Error('not yet');
    });
    await waitFor(() => first.stats().delayed === 1);
    await first.stop();

    const second = queue(dataDir);
    await second.open();
    assert.deepEqual(second.stats(), { visible: 0, inFlight: 0, delayed: 1, deadLetters: 0 });
  });

  it('redrives dead letters with their receive count reset', async () => {
    const q = queue(await tempDir(), { maxReceives: 1 });
    let healthy = false;
    const counts: string[] = [];
    await q.start(async (event) => {
      counts.push(event.Records[0]!.attributes.ApproximateReceiveCount);
      if (!healthy) throw new Error('down');
    });
    await q.send('x');
    await waitFor(() => q.stats().deadLetters === 1);
    healthy = true;
    assert.equal(await q.redriveDeadLetters(), 1);
    await q.drain(5000);
    assert.deepEqual(counts, ['1', '1']);
    assert.deepEqual(q.stats(), { visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 });
  });

  it('loses no acknowledged message when the process is killed mid-stream, and takes over its stale lock', async () => {
    const dataDir = await tempDir();
    const queueModule = fileURLToPath(new URL('../../infra/local/queue.ts', import.meta.url));
    const script = `
      const { LocalQueue } = await import(${JSON.stringify(queueModule)});
      const q = new LocalQueue({ dataDir: ${JSON.stringify(dataDir)} });
      for (let i = 0; ; i++) { await q.send('m' + i); process.stdout.write(i + '\\n'); }
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acknowledged = -1;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n');
      output = lines.pop() ?? '';
      for (const line of lines) acknowledged = Number(line);
    });
    await waitFor(() => acknowledged >= 30, 10_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const q = queue(dataDir); // the dead process's lock file is still there
    await q.open();
    const { handler, deliveries } = recorder();
    await q.start(handler);
    await q.drain(5000);
    const received = new Set(deliveries.map((r) => r.body));
    for (let i = 0; i <= acknowledged; i++) assert.ok(received.has(`m${i}`), `m${i} was acknowledged`);
  });

  it('refuses a second queue on a journal that is already open', async () => {
    const dataDir = await tempDir();
    const first = queue(dataDir);
    await first.open();
    const second = new LocalQueue({ dataDir });
    await assert.rejects(second.open(), /already open/);
  });

  it('never writes message bodies to the error reporter', async () => {
    const reported: string[] = [];
    const q = queue(await tempDir(), {
      maxReceives: 1,
      onError: (error, info) => reported.push(JSON.stringify({ error: String(error), info })),
    });
    await q.send('SECRET-BODY');
    await q.start(async () => {
      throw new Error('handler failed');
    });
    await waitFor(() => q.stats().deadLetters === 1);
    assert.ok(reported.length > 0);
    assert.ok(reported.every((line) => !line.includes('SECRET-BODY')));
  });
});
