/**
 * A persistent in-process queue with the semantics the intake relies on in AWS: an SQS standard
 * queue with a redrive policy (dead-letter after `LIMITS.maxReceives` receives) consumed by a
 * Lambda event source mapping with `ReportBatchItemFailures`.
 *
 * - Batches of up to `batchSize` real-shaped `SQSRecord`s; `concurrency` batches run at once.
 * - The handler's `batchItemFailures` become visible again after `retryDelayMs`; a throw, a
 *   timeout (`handlerTimeoutMs`, like the function timeout) or an invalid response (unknown or
 *   empty itemIdentifier) fails the whole batch, as Lambda does. A message that failed on its
 *   `maxReceives`-th receive moves to the dead-letter list.
 * - Pause: `pause()`/`resume()` and/or an `isPaused` hook polled every `pauseCheckIntervalMs`
 *   (a hook that throws counts as paused: fail safe). Paused = nothing new is delivered, batches
 *   already running finish, `send` keeps accepting. The first poll completes before anything is
 *   delivered.
 * - Durability: an append-only journal `<dataDir>/queue/<name>.journal.ndjson`, fsync'd
 *   (group commit) before `send` resolves and before a batch is handed to the handler (so the
 *   receive count survives a crash and a message that crashes the process still reaches the
 *   dead-letter list). On open the journal is replayed (a torn last line from a crash is
 *   dropped: it was never acknowledged) and compacted into a new file (temp file + fsync +
 *   rename). In-flight messages become visible again on restart; delays and dead letters keep.
 *   A lock file keeps a second process (or a second instance in this process) off the journal.
 * - Message bodies are never logged; the error reporter sees message ids only.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LIMITS, SERVICE_NAME } from '../../shared/config/resources.js';
import { DEAD_LETTER_COUNT, type DeadLetterQueue } from '../../shared/domain/dead-letters.js';
import type { QueueOperations } from '../../shared/ports/index.js';

export type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface QueueStats {
  /** Ready to be delivered now. */
  readonly visible: number;
  /** Handed to the handler, not yet settled. */
  readonly inFlight: number;
  /** Failed, waiting for the retry delay to pass. */
  readonly delayed: number;
  readonly deadLetters: number;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentTimestamp: number;
  readonly deadLetteredAt: number;
}

export interface QueueErrorInfo {
  readonly phase: 'handler' | 'journal' | 'pause-check';
  readonly messageIds: readonly string[];
  readonly receiveCounts?: readonly number[];
}

export interface LocalQueueOptions {
  /** The journal lives under `<dataDir>/queue/`. */
  readonly dataDir: string;
  /** Queue name, used in the ARN and the journal file name (default `intake`). */
  readonly name?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Default `LIMITS.intakeBatchSize`. */
  readonly batchSize?: number;
  /** Default `LIMITS.maxReceives`. */
  readonly maxReceives?: number;
  /** Delay before a failed message is visible again (default 1000 ms). */
  readonly retryDelayMs?: number;
  /** Batches processed at once (default 2). */
  readonly concurrency?: number;
  /** Default `LIMITS.intakeFunctionTimeoutSeconds` s. */
  readonly handlerTimeoutMs?: number;
  readonly isPaused?: () => Promise<boolean>;
  /** Default 500 ms. */
  readonly pauseCheckIntervalMs?: number;
  /** Lambda function name reported in the context (default `ruling-intake-local-intake`). */
  readonly functionName?: string;
  /** Default: one line on stderr with message ids and the error's name and message. */
  readonly onError?: (error: unknown, info: QueueErrorInfo) => void;
}

/** Largest SQS message (1 MiB since August 2025). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  visibleAt: number;
  deadAt?: number;
}

type JournalRecord =
  { readonly t: 'put'; readonly m: StoredMessage } | { readonly t: 'del'; readonly id: string };

interface PendingWrite {
  readonly data: string;
  readonly lines: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Journals held by this process (a lock file only guards against other processes). */
const openJournals = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStoredMessage(value: unknown): value is StoredMessage {
  const m = value as Partial<StoredMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.id === 'string' &&
    typeof m.body === 'string' &&
    typeof m.sentAt === 'number' &&
    typeof m.receiveCount === 'number' &&
    typeof m.visibleAt === 'number'
  );
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

class HandlerTimeoutError extends Error {
  constructor(ms: number) {
    super(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`);
    this.name = 'HandlerTimeoutError';
  }
}

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  private readonly dir: string;
  private readonly journalPath: string;
  private readonly lockPath: string;
  private readonly region: string;
  private readonly batchSize: number;
  private readonly maxReceives: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;
  private readonly handlerTimeoutMs: number;
  private readonly pauseCheckIntervalMs: number;
  private readonly functionName: string;
  private readonly accountId: string;
  private readonly externalPauseCheck: (() => Promise<boolean>) | undefined;
  private readonly reportError: (error: unknown, info: QueueErrorInfo) => void;

  private readonly messages = new Map<string, StoredMessage>();
  private readonly inFlight = new Set<string>();
  private readonly active = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();
  private opened: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private journal: FileHandle | undefined;
  private journalLines = 0;
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private handler: QueueHandler | undefined;
  private running = false;
  private generation = 0;
  private manualPause = false;
  private externalPause = false;
  private checkingPause = false;
  private pauseTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private readonly handlerTimers = new Set<NodeJS.Timeout>();

  constructor(options: LocalQueueOptions) {
    this.name = options.name ?? 'intake';
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(this.name)) throw new Error(`Invalid queue name: ${this.name}`);
    this.region = options.region ?? 'local';
    this.accountId = options.accountId ?? '000000000000';
    this.arn = `arn:aws:sqs:${this.region}:${this.accountId}:${this.name}`;
    this.dir = resolve(options.dataDir, 'queue');
    this.journalPath = join(this.dir, `${this.name}.journal.ndjson`);
    this.lockPath = join(this.dir, `${this.name}.lock`);
    this.batchSize = options.batchSize ?? LIMITS.intakeBatchSize;
    this.maxReceives = options.maxReceives ?? LIMITS.maxReceives;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.concurrency = options.concurrency ?? 2;
    this.handlerTimeoutMs = options.handlerTimeoutMs ?? LIMITS.intakeFunctionTimeoutSeconds * 1000;
    this.pauseCheckIntervalMs = options.pauseCheckIntervalMs ?? 500;
    this.functionName = options.functionName ?? `${SERVICE_NAME}-local-${this.name}`;
    this.externalPauseCheck = options.isPaused;
    this.reportError =
      options.onError ??
      ((error, info) => {
        const e = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        process.stderr.write(
          `[queue ${this.name}] ${info.phase} error for [${info.messageIds.join(', ')}]: ${e}\n`,
        );
      });
    for (const [key, value] of Object.entries({
      batchSize: this.batchSize,
      maxReceives: this.maxReceives,
      concurrency: this.concurrency,
    })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${key} must be a positive integer`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Public API

  /** Opens (replays and compacts) the journal. Called implicitly by send/start/deadLetters. */
  open(): Promise<void> {
    this.opened ??= this.load().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /** Durably enqueues a message; resolves with its messageId once it is on disk. */
  async send(body: string): Promise<string> {
    if (typeof body !== 'string' || body.length === 0)
      throw new Error('Message body must be a non-empty string');
    if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES)
      throw new Error('Message body exceeds the SQS size limit');
    await this.open();
    const now = Date.now();
    const message: StoredMessage = { id: randomUUID(), body, sentAt: now, receiveCount: 0, visibleAt: now };
    await this.persist([{ t: 'put', m: message }]);
    this.messages.set(message.id, message);
    this.changed();
    this.pump();
    return message.id;
  }

  /** Starts delivering to `handler` (the event source mapping is enabled). */
  async start(handler: QueueHandler): Promise<void> {
    if (this.handler) throw new Error(`Queue ${this.name} is already started`);
    await this.open();
    this.handler = handler;
    this.running = true;
    if (this.externalPauseCheck) {
      this.externalPause = true; // nothing is delivered before the first check answered

      await this.checkExternalPause();
      this.pauseTimer = setInterval(() => void this.checkExternalPause(), this.pauseCheckIntervalMs);
    }
    this.pump();
  }

  /**
   * Stops delivering, waits for running batches (at most `timeoutMs`, default the handler
   * timeout + 1 s; batches still running then are abandoned and their messages count as in
   * flight, i.e. visible again on the next open), flushes and closes the journal.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options).finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async shutdown(options: { timeoutMs?: number }): Promise<void> {
    const opening = this.opened;
    if (!opening) return;
    await opening.catch(() => undefined);
    this.running = false;
    this.handler = undefined;
    clearInterval(this.pauseTimer);
    this.clearWake();
    if (this.active.size) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>(
        (r) => (timer = setTimeout(r, options.timeoutMs ?? this.handlerTimeoutMs + 1000)),
      );
      await Promise.race([Promise.allSettled([...this.active]), timeout]);
      clearTimeout(timer);
    }
    this.generation++;
    this.active.clear();
    // Abandoned handlers: their timeout timers must not keep the process alive.
    for (const timer of this.handlerTimers) clearTimeout(timer);
    this.handlerTimers.clear();
    while (this.flushing) await this.flushing;
    await this.journal?.close();
    this.journal = undefined;
    await rm(this.lockPath, { force: true });
    openJournals.delete(this.journalPath);
    this.messages.clear();
    this.inFlight.clear();
    this.opened = undefined;
    this.changed();
  }

  pause(): void {
    this.manualPause = true;
  }

  resume(): void {
    this.manualPause = false;
    this.pump();
  }

  isPaused(): boolean {
    return this.manualPause || this.externalPause;
  }

  stats(): QueueStats {
    const now = Date.now();
    let visible = 0;
    let delayed = 0;
    let deadLetters = 0;
    for (const m of this.messages.values()) {
      if (m.deadAt !== undefined) deadLetters++;
      else if (this.inFlight.has(m.id)) continue;
      else if (m.visibleAt > now) delayed++;
      else visible++;
    }
    return { visible, inFlight: this.inFlight.size, delayed, deadLetters };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    await this.open();
    return [...this.messages.values()]
      .filter((m) => m.deadAt !== undefined)
      .map((m) => ({
        messageId: m.id,
        body: m.body,
        receiveCount: m.receiveCount,
        sentTimestamp: m.sentAt,
        deadLetteredAt: m.deadAt ?? 0,
      }));
  }

  /** Moves every dead letter back to the queue with its receive count reset; returns how many. */
  async redriveDeadLetters(): Promise<number> {
    await this.open();
    const now = Date.now();
    const dead = [...this.messages.values()].filter((m) => m.deadAt !== undefined);
    if (!dead.length) return 0;
    const revived = dead.map((m): StoredMessage => ({
      id: m.id,
      body: m.body,
      sentAt: m.sentAt,
      receiveCount: 0,
      visibleAt: now,
    }));
    await this.persist(revived.map((m) => ({ t: 'put', m })));
    for (const m of revived) this.messages.set(m.id, m);
    this.changed();
    this.pump();
    return revived.length;
  }

  /** Resolves when nothing is visible, delayed or in flight; rejects after `timeoutMs`. */
  async drain(timeoutMs = 30_000): Promise<void> {
    await this.open();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.stats();
      if (s.visible + s.delayed + s.inFlight === 0) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`Queue ${this.name} did not drain within ${timeoutMs} ms: ${JSON.stringify(s)}`);
      await new Promise<void>((resolveWait) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolveWait();
        };
        // Also re-check when a delayed message turns visible without any other change.
        const timer = setTimeout(done, Math.min(remaining, 50));
        this.waiters.add(done);
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Delivery

  private pump(): void {
    if (!this.running || !this.handler || this.isPaused()) return;
    while (this.active.size < this.concurrency) {
      const batch = this.takeVisible();
      if (!batch.length) break;
      const run: Promise<void> = this.runBatch(batch, this.handler, this.generation)
        .catch((error: unknown) =>
          this.reportError(error, { phase: 'journal', messageIds: batch.map((m) => m.id) }),
        )
        .finally(() => {
          this.active.delete(run);
          this.pump();
        });
      this.active.add(run);
    }
    this.scheduleWake();
  }

  private takeVisible(): StoredMessage[] {
    const now = Date.now();
    const batch: StoredMessage[] = [];
    for (const m of this.messages.values()) {
      if (batch.length >= this.batchSize) break;
      if (m.deadAt === undefined && !this.inFlight.has(m.id) && m.visibleAt <= now) batch.push(m);
    }
    for (const m of batch) {
      this.inFlight.add(m.id);
      m.receiveCount++;
      m.firstReceiveAt ??= now;
    }
    return batch;
  }

  private scheduleWake(): void {
    if (!this.running || this.isPaused()) return this.clearWake();
    // Only delayed messages need a timer: visible ones are taken when a running batch ends.
    const now = Date.now();
    let next = Infinity;
    for (const m of this.messages.values()) {
      if (m.deadAt === undefined && !this.inFlight.has(m.id) && m.visibleAt > now && m.visibleAt < next) {
        next = m.visibleAt;
      }
    }
    if (next === Infinity) return this.clearWake();
    if (next >= this.wakeAt && this.wakeTimer) return;
    this.clearWake();
    this.wakeAt = next;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.pump();
      },
      Math.max(0, next - Date.now()),
    );
  }

  private clearWake(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }

  private async runBatch(batch: StoredMessage[], handler: QueueHandler, generation: number): Promise<void> {
    const ids = batch.map((m) => m.id);
    try {
      await this.persist(batch.map((m) => ({ t: 'put', m: { ...m } })));
    } catch (error) {
      this.reportError(error, { phase: 'journal', messageIds: ids });
      for (const m of batch) {
        m.receiveCount--;
        m.visibleAt = Date.now() + this.retryDelayMs;
        this.inFlight.delete(m.id);
      }
      this.changed();
      return;
    }
    if (generation !== this.generation) return; // stopped meanwhile: never handed over
    this.changed();

    const event: SQSEvent = { Records: batch.map((m) => this.toRecord(m)) };
    const failed = await this.invoke(handler, event, batch);
    if (generation !== this.generation) return; // abandoned by stop(): the journal says in flight

    const now = Date.now();
    const records: JournalRecord[] = [];
    const done: StoredMessage[] = [];
    for (const m of batch) {
      if (!failed.has(m.id)) {
        records.push({ t: 'del', id: m.id });
        done.push(m);
      } else {
        if (m.receiveCount >= this.maxReceives) m.deadAt = now;
        else m.visibleAt = now + this.retryDelayMs;
        records.push({ t: 'put', m: { ...m } });
      }
    }
    try {
      await this.persist(records);
    } catch (error) {
      // The journal still has them in flight: at worst they are delivered again after a restart.
      this.reportError(error, { phase: 'journal', messageIds: ids });
    }
    if (generation !== this.generation) return;
    for (const m of done) this.messages.delete(m.id);
    for (const id of ids) this.inFlight.delete(id);
    this.changed();
  }

  /** Runs the handler like the Lambda runtime and returns the ids of failed messages. */
  private async invoke(handler: QueueHandler, event: SQSEvent, batch: StoredMessage[]): Promise<Set<string>> {
    const all = new Set(batch.map((m) => m.id));
    const deadline = Date.now() + this.handlerTimeoutMs;
    const context = this.context(deadline);
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => handler(event, context)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new HandlerTimeoutError(this.handlerTimeoutMs)),
            this.handlerTimeoutMs,
          );
          this.handlerTimers.add(timer);
        }),
      ]);
      return this.failuresOf(result, all);
    } catch (error) {
      this.reportError(error, {
        phase: 'handler',
        messageIds: [...all],
        receiveCounts: batch.map((m) => m.receiveCount),
      });
      return all;
    } finally {
      clearTimeout(timer);
      if (timer) this.handlerTimers.delete(timer);
    }
  }

  /** Lambda's partial batch response rules: an invalid identifier fails the whole batch. */
  private failuresOf(result: unknown, all: Set<string>): Set<string> {
    if (result === undefined || result === null || typeof result !== 'object') return new Set();
    const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) return all;
    const failed = new Set<string>();
    for (const failure of failures as unknown[]) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || !all.has(id)) {
        this.reportError(new Error('Invalid itemIdentifier in batchItemFailures: the whole batch fails'), {
          phase: 'handler',
          messageIds: [...all],
        });
        return all;
      }
      failed.add(id);
    }
    return failed;
  }

  private toRecord(m: StoredMessage): SQSRecord {
    return {
      messageId: m.id,
      receiptHandle: randomBytes(48).toString('base64'),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'AROALOCALS3NOTIFICATION:local',
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? Date.now()),
      },
      messageAttributes: {},
      md5OfBody: md5(m.body),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
  }

  private context(deadline: number): Context {
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.region}:${this.accountId}:function:${this.functionName}`,
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${this.functionName}`,
      logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  private async checkExternalPause(): Promise<void> {
    const check = this.externalPauseCheck;
    if (!check || this.checkingPause) return;
    this.checkingPause = true;
    try {
      this.externalPause = (await check()) === true;
    } catch (error) {
      this.externalPause = true;
      this.reportError(error, { phase: 'pause-check', messageIds: [] });
    } finally {
      this.checkingPause = false;
    }
    if (!this.isPaused()) this.pump();
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  // ------------------------------------------------------------------------------------------
  // Journal

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.lock();
    try {
      let text = '';
      try {
        text = await readFile(this.journalPath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      this.messages.clear();
      this.inFlight.clear();
      const lines = text.split('\n');
      let skipped = 0;
      lines.forEach((line, index) => {
        if (!line) return;
        let record: JournalRecord;
        try {
          record = JSON.parse(line) as JournalRecord;
        } catch {
          // A torn final line is a write that never completed (never acknowledged).
          if (index !== lines.length - 1) skipped++;
          return;
        }
        if (record.t === 'put' && isStoredMessage(record.m)) this.messages.set(record.m.id, { ...record.m });
        else if (record.t === 'del' && typeof record.id === 'string') this.messages.delete(record.id);
        else skipped++;
      });
      if (skipped) {
        this.reportError(new Error(`${skipped} unreadable journal line(s) skipped`), {
          phase: 'journal',
          messageIds: [],
        });
      }
      await this.compact();
    } catch (error) {
      await this.journal?.close().catch(() => undefined);
      this.journal = undefined;
      await this.unlock();
      throw error;
    }
  }

  private async lock(): Promise<void> {
    if (openJournals.has(this.journalPath))
      throw new Error(`Queue journal ${this.journalPath} is already open in this process`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.lockPath, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        openJournals.add(this.journalPath);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const pid = Number((await readFile(this.lockPath, 'utf8').catch(() => '')).trim());
        if (pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new Error(`Queue journal ${this.journalPath} is in use by process ${pid}`, { cause: error });
        }
        await rm(this.lockPath, { force: true }); // stale: its process is gone
      }
    }
    throw new Error(`Could not lock ${this.lockPath}`);
  }

  private async unlock(): Promise<void> {
    await rm(this.lockPath, { force: true });
    openJournals.delete(this.journalPath);
  }

  /** Rewrites the journal as one `put` per live message: temp file, fsync, rename, fsync dir. */
  private async compact(): Promise<void> {
    const tmp = `${this.journalPath}.tmp`;
    const data = [...this.messages.values()].map((m) => `${JSON.stringify({ t: 'put', m })}\n`).join('');
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Runs inside the serialized flush (or before any write), so nothing is appended to the old
    // file between the snapshot and the rename; if the rename fails the old journal stays valid.
    await rename(tmp, this.journalPath);
    try {
      const dir = await open(this.dir, 'r');
      await dir.sync().finally(() => dir.close());
    } catch {
      // Directory fsync is not available everywhere (Windows); rename is still atomic.
    }
    const previous = this.journal;
    this.journal = await open(this.journalPath, 'a');
    this.journalLines = this.messages.size;
    await previous?.close().catch(() => undefined);
  }

  private persist(records: readonly JournalRecord[]): Promise<void> {
    if (!records.length) return Promise.resolve();
    return new Promise<void>((resolveWrite, reject) => {
      this.pending.push({
        data: records.map((r) => `${JSON.stringify(r)}\n`).join(''),
        lines: records.length,
        resolve: resolveWrite,
        reject,
      });
      this.kickFlush();
    });
  }

  private kickFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.pending.length) this.kickFlush();
    });
  }

  /** Group commit: everything queued so far goes out in one write + fdatasync. */
  private async flush(): Promise<void> {
    while (this.pending.length) {
      const writes = this.pending.splice(0);
      try {
        if (!this.journal) throw new Error(`Queue ${this.name} is not open`);
        await this.journal.write(writes.map((w) => w.data).join(''));
        await this.journal.datasync();
        this.journalLines += writes.reduce((n, w) => n + w.lines, 0);
        for (const w of writes) w.resolve();
      } catch (error) {
        for (const w of writes) w.reject(error);
        continue;
      }
      if (this.journalLines > Math.max(1000, 4 * this.messages.size)) {
        await this.compact().catch((error: unknown) =>
          this.reportError(error, { phase: 'journal', messageIds: [] }),
        );
      }
    }
  }
}

/**
 * The operator's queues on the local stack: the intake queue's counts and each queue's dead
 * letters, and a redrive that moves them back at once (`MOVED`), as a message move task would.
 */
export function localQueueOperations(queues: Readonly<Record<DeadLetterQueue, LocalQueue>>): QueueOperations {
  return {
    async counts() {
      return {
        ...queues.intake.stats(),
        ...Object.fromEntries(
          Object.entries(queues).map(([q, local]) => [
            DEAD_LETTER_COUNT[q as DeadLetterQueue],
            local.stats().deadLetters,
          ]),
        ),
      };
    },
    async redrive(queue) {
      const messages = await queues[queue].redriveDeadLetters();
      return { queue, state: messages ? 'MOVED' : 'EMPTY', messages };
    },
  };
}
