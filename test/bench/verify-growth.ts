/**
 * Growth (issue 14) of the audit verification: the incremental verify (what the verify API does:
 * from the stored verified head) and the full re-verification (the sealer's background job) at
 * growing history sizes — time, records read through the port, records held at once and the peak
 * heap above the start. In memory (a sorted record list behind the `AuditSource` port and a map of
 * signed checkpoints), with the real local signer: it measures the verification's own work, not
 * DynamoDB. Checkpoints are hourly here (about 11 records each at 274 a day) to keep seeding short;
 * the sealer's are per minute, which only changes how many records a checkpoint holds.
 * `node --expose-gc --import tsx test/bench/verify-growth.ts 1000,10000,100000`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import type {
  AuditSource,
  FullVerificationProgress,
  FullVerificationStore,
  SignedFullVerification,
  VerifiedHead,
  VerifiedHeadStore,
} from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { sealAudit } from '../../shared/use-cases/audit-seal.js';
import { rollUpDays } from '../../shared/use-cases/audit-days.js';
import { runFullVerification, verifyIncremental } from '../../shared/use-cases/audit-verify.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';
import { seedRecords } from '../support/audit-seed.js';
import { int, ms, ratio, table } from './stats.js';

const PER_DAY = 274;
const HOUR = 3_600_000;

/** Records sorted by `at`; `between` by bisection, counting what it hands out. */
class Source implements AuditSource {
  read = 0;
  constructor(readonly records: AuditRecord[]) {
    records.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }
  private first(t: string) {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.records[mid]!.at <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  async *all() {
    for (const r of this.records) {
      this.read++;
      yield r;
    }
  }
  async *between(after: string, upTo: string) {
    for (let i = this.first(after); i < this.records.length && this.records[i]!.at <= upTo; i++) {
      this.read++;
      yield this.records[i]!;
    }
  }
}

class Head implements VerifiedHeadStore {
  head: VerifiedHead | undefined;
  async get() {
    return this.head;
  }
  async advance(head: VerifiedHead, from: number | null) {
    if ((this.head?.sequence ?? null) !== from) return false;
    this.head = head;
    return true;
  }
}

class Full implements FullVerificationStore {
  current: FullVerificationProgress | undefined;
  result: SignedFullVerification | undefined;
  async progress() {
    return this.current;
  }
  async request(at: string) {
    this.current = {
      status: 'requested',
      requestedAt: at,
      nextSequence: 1,
      checkedCheckpoints: 0,
      checkedRecords: 0,
      expired: 0,
      problemCount: 0,
      problems: '[]',
    };
    return true;
  }
  async save(p: FullVerificationProgress) {
    this.current = p;
  }
  async finish(r: SignedFullVerification) {
    this.result = r;
    this.current = undefined;
  }
  async lastResult() {
    return this.result;
  }
}

interface Measure {
  readonly ms: number;
  readonly read: number;
  /** Checkpoint objects fetched: single checkpoints and day bundles. */
  readonly objects: number;
  readonly held: number;
  readonly heapMb: number;
  /** The most the heap held after a collection between batches (the full job), above the start. */
  readonly retainedMb: number | undefined;
  readonly ok: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => process.memoryUsage().heapUsed;

async function one(
  n: number,
  signer: LocalSigner,
): Promise<{ incremental: Measure; full: Measure; checkpoints: number }> {
  const end = Date.parse('2026-06-01T00:00:00.000Z');
  const days = Math.max(1, Math.ceil(n / PER_DAY));
  const source = new Source(
    seedRecords(n, { end: new Date(end - HOUR), days, subjects: Math.max(1, n / 8) }),
  );
  const checkpoints = new MemoryCheckpoints();
  const start = Date.parse(source.records[0]!.at) - HOUR;
  for (let t = start + HOUR; t <= end; t += HOUR)
    await sealAudit({ audit: source, checkpoints, signer, now: new Date(t), graceMs: 0, sealEmpty: true });
  // The finished days bundled as the sealer does after each run (here all at once).
  while ((await rollUpDays(checkpoints, 1000)).length > 0);
  const head = new Head();
  const pem = await signer.publicKeyPem();
  // The sealer verified everything up to the last run (catching up at most a day of heads per run).
  while ((head.head?.sequence ?? 0) < checkpoints.top) {
    const v = await verifyIncremental({
      audit: source,
      checkpoints,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(end),
      advance: true,
    });
    if (!v.ok) throw new Error('the seeded log does not verify');
  }
  // One more hour of consultations (as many at every size), sealed.
  for (let i = 0; i < 11; i++)
    source.records.push({
      ...source.records[i]!,
      id: `new-${i}`,
      at: new Date(end + 60_000 + i * 1000).toISOString(),
    });
  await sealAudit({
    audit: source,
    checkpoints,
    signer,
    now: new Date(end + HOUR),
    graceMs: 0,
    sealEmpty: true,
  });

  const measure = async (
    run: () => Promise<{ ok: boolean; held: number; retained?: number }>,
  ): Promise<Measure> => {
    gc?.();
    const base = heap();
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, heap())), 5);
    source.read = 0;
    checkpoints.gets = 0;
    checkpoints.dayGets = 0;
    const t = performance.now();
    const r = await run();
    const elapsed = performance.now() - t;
    clearInterval(timer);
    peak = Math.max(peak, heap());
    return {
      ms: elapsed,
      read: source.read,
      objects: checkpoints.gets + checkpoints.dayGets,
      held: r.held,
      heapMb: (peak - base) / 2 ** 20,
      retainedMb: r.retained === undefined ? undefined : (r.retained - base) / 2 ** 20,
      ok: r.ok,
    };
  };
  // The incremental check: median of 7 calls (one call is a few ms: a GC pause would dominate).
  const calls: Measure[] = [];
  for (let i = 0; i < 7; i++)
    calls.push(
      await measure(async () => {
        const v = await verifyIncremental({
          audit: source,
          checkpoints,
          publicKeyPem: pem,
          verifiedHead: head,
          now: new Date(end + HOUR),
        });
        return { ok: v.ok, held: v.peakRecordsHeld };
      }),
    );
  const incremental = calls.sort((a, b) => a.ms - b.ms)[3]!;
  const fullStore = new Full();
  const fullRun = async (more: () => boolean) => {
    await fullStore.request(new Date(end + HOUR).toISOString());
    const step = await runFullVerification(
      { audit: source, checkpoints, signer, fullVerification: fullStore },
      () => new Date(end + HOUR),
      more,
    );
    return {
      ok: step.status === 'finished' && step.result.ok,
      held: step.status === 'finished' ? step.peakRecordsHeld : -1,
    };
  };
  const timed = await measure(() => fullRun(() => true));
  // What the job keeps between batches: a second run, collecting each time it asks for more (the
  // collections would dominate the first run's time).
  let retained = 0;
  const kept = await measure(async () => ({
    ...(await fullRun(() => {
      gc?.();
      retained = Math.max(retained, heap());
      return true;
    })),
    ...(gc ? { retained } : {}),
  }));
  const full: Measure = { ...timed, retainedMb: kept.retainedMb };
  return { incremental, full, checkpoints: checkpoints.top };
}

export async function benchVerifyGrowthSection(sizes: readonly number[]): Promise<string[]> {
  const keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-verify-bench-'));
  try {
    const signer = new LocalSigner(keyDir);
    const results = new Map<number, Awaited<ReturnType<typeof one>>>();
    for (const n of sizes) {
      const t = performance.now();
      results.set(n, await one(n, signer));
      process.stderr.write(
        `[bench] verify growth ${n} records: ${((performance.now() - t) / 1000).toFixed(0)} s\n`,
      );
    }
    const first = sizes[0]!;
    const pairs = sizes.slice(1).map((n) => [first, n] as const);
    const rows = (['incremental', 'full'] as const).flatMap((kind) =>
      sizes.map((n) => {
        const m = results.get(n)![kind];
        const a = results.get(first)![kind];
        return [
          `${kind === 'incremental' ? 'incremental verify (API)' : 'full verification (job)'} @ ${int(n)}`,
          int(results.get(n)!.checkpoints),
          ms(m.ms, 1),
          int(m.read),
          int(m.objects),
          int(m.held),
          m.heapMb.toFixed(1),
          m.retainedMb === undefined ? '–' : m.retainedMb.toFixed(1),
          m.ok ? 'yes' : 'NO',
          n === first
            ? ''
            : `${ratio(m.ms, a.ms)} time, ${ratio(Math.max(1, m.read), Math.max(1, a.read))} read`,
        ];
      }),
    );
    void pairs;
    return [
      '### Verification: incremental and full',
      '',
      `The verify API's incremental check (from the stored verified head, one new hour of 11 records sealed since) and the full re-verification job over ${sizes.map(int).join(' / ')} records, in memory behind the ports with the real local signer (test/bench/verify-growth.ts; hourly checkpoints, finished days bundled as the sealer does). Records read through the \`AuditSource\` port; checkpoint objects fetched (single checkpoints and day bundles: one per day of history, not one per checkpoint); the most records held at once (one batch); the peak heap above the start (sampled every 5 ms${gc ? ', after a GC' : ''}), and — what the job keeps — the most the heap held after a collection between batches. The incremental check: median of 7 calls; the full verification: one run.`,
      '',
      ...table(
        [
          '',
          'checkpoints',
          'ms',
          'records read',
          'objects read',
          'held at once',
          'peak heap MB',
          'kept between batches MB',
          'ok',
          `÷ ${int(first)}`,
        ],
        rows,
      ),
      '',
    ];
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
  process.stdout.write(`${(await benchVerifyGrowthSection(sizes)).join('\n')}\n`);
  process.exit(0);
}
