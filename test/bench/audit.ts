/**
 * Audit sealing and verification throughput, in memory (no emulator) with the real local signer
 * (EC P-256 via node:crypto, key in a temporary folder): records sealed per second and records
 * verified per second for a trail of `n` records, in checkpoints of the sealer's own size
 * (`AUDIT_CHECKPOINTS.maxRecordsPerCheckpoint`) unless told otherwise. Baseline, measured in the
 * same runs: SHA-256 of each record's plain JSON — the least any hash chain must do per record.
 * `npm run bench` calls `benchAuditSection`; or run this file: `node --import tsx test/bench/audit.ts 20000`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import { AUDIT_CHECKPOINTS } from '../../shared/config/resources.js';
import { type AuditSource } from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { sealAudit, verifyAudit } from '../../shared/use-cases/audit-seal.js';
import { int, ms, ratio, stats, table, type Stats } from './stats.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';

export interface AuditBenchResult {
  readonly n: number;
  readonly recordsPerCheckpoint: number;
  readonly checkpoints: number;
  /** Medians over `runs`. */
  readonly sealMs: number;
  readonly verifyMs: number;
  readonly sealedPerSecond: number;
  readonly verifiedPerSecond: number;
  readonly runs: number;
  /** Every run's time (ms): sealing, verifying, and the hash-only baseline. */
  readonly seal: Stats;
  readonly verify: Stats;
  readonly baseline: Stats;
}

/** The baseline: SHA-256 over each record's `JSON.stringify`, nothing else. */
function hashOnly(records: readonly AuditRecord[]): string {
  let last = '';
  for (const r of records) last = createHash('sha256').update(JSON.stringify(r)).digest('hex');
  return last;
}

function memorySource(records: readonly AuditRecord[]): AuditSource {
  return {
    async *all() {
      yield* records;
    },
    async *between(after: string, upTo: string) {
      for (const r of records) if (r.at > after && r.at <= upTo) yield r;
    },
  };
}

/** `n` records shaped like the intake's and the API's, 10 ms apart, ending a minute ago. */
function trail(n: number): AuditRecord[] {
  const end = Date.now() - 60_000;
  return Array.from({ length: n }, (_, i) => ({
    id: `bench:${i}`,
    at: new Date(end - (n - i) * 10).toISOString(),
    actor: { id: `client-${i % 7}`, role: 'institution' as const, institution: 'UGENT' },
    action: 'credit.read',
    subject: `${i.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
    purpose: 'enrolment',
    outcome: i % 11 ? 'ALLOWED' : 'DENIED',
    requestId: `req-${i}`,
    details: { status: i % 11 ? 200 : 404, fields: 'balance,corrections' },
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Seals a trail of `n` records (in checkpoints of `recordsPerCheckpoint`, as a backlog would be)
 * and verifies it in full; returns the medians over `runs` fresh runs.
 */
export async function benchAudit(
  n: number,
  options: { recordsPerCheckpoint?: number; runs?: number } = {},
): Promise<AuditBenchResult> {
  const per = options.recordsPerCheckpoint ?? AUDIT_CHECKPOINTS.maxRecordsPerCheckpoint;
  const runs = options.runs ?? 3;
  const keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-bench-audit-'));
  try {
    const signer = new LocalSigner(keyDir);
    const publicKeyPem = await signer.publicKeyPem();
    const records = trail(n);
    const audit = memorySource(records);
    const seal: number[] = [];
    const verify: number[] = [];
    const baseline: number[] = [];
    let checkpoints = 0;
    for (let run = 0; run < runs; run++) {
      const store = new MemoryCheckpoints();
      const now = new Date();
      let t = performance.now();
      hashOnly(records);
      baseline.push(performance.now() - t);
      t = performance.now();
      for (;;) {
        const r = await sealAudit({ audit, checkpoints: store, signer, now, maxRecords: per });
        if (r.status !== 'sealed' || !r.more) break;
      }
      seal.push(performance.now() - t);
      checkpoints = store.size;
      t = performance.now();
      const result = await verifyAudit({ audit, checkpoints: store, publicKeyPem });
      verify.push(performance.now() - t);
      if (!result.ok || result.checkedRecords !== n)
        throw new Error(`bench trail did not verify: ${JSON.stringify(result.firstProblem)}`);
    }
    const sealMs = median(seal);
    const verifyMs = median(verify);
    return {
      n,
      recordsPerCheckpoint: per,
      checkpoints,
      sealMs,
      verifyMs,
      sealedPerSecond: (n / sealMs) * 1000,
      verifiedPerSecond: (n / verifyMs) * 1000,
      runs,
      seal: stats(seal),
      verify: stats(verify),
      baseline: stats(baseline),
    };
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
}

/** The Markdown section of docs/benchmarks.md. */
export async function benchAuditSection(n: number, runs: number): Promise<string[]> {
  const r = await benchAudit(n, { runs });
  const perS = (count: number, msv: number) => int((count / msv) * 1000);
  /** A table row: median and p95 time, the records per second at each, and the time against the baseline. */
  const row = (label: string, s: Stats, vsBaseline: string) => [
    label,
    ms(s.median, 0),
    ms(s.p95, 0),
    perS(n, s.median),
    perS(n, s.p95),
    vsBaseline,
  ];
  return [
    '## Audit trail: sealing and verification',
    '',
    `${int(n)} records shaped like the API's, in memory, signed with the local EC P-256 signer, in checkpoints of at most ${int(r.recordsPerCheckpoint)} records as the sealer writes them (${r.checkpoints} checkpoint${r.checkpoints > 1 ? 's' : ''}); ${r.runs} runs. Baseline in the same runs: SHA-256 of each record's plain JSON. "p95 records/s" is the slowest run's rate at the 95th percentile.`,
    '',
    ...table(
      ['', 'median ms', 'p95 ms', 'records/s (median)', 'records/s (p95)', 'time ÷ baseline (median)'],
      [
        row('seal', r.seal, ratio(r.seal.median, r.baseline.median)),
        row('verify', r.verify, ratio(r.verify.median, r.baseline.median)),
        row('SHA-256 of plain JSON (baseline)', r.baseline, '1.00×'),
      ],
    ),
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 10_000);
  process.stdout.write(`${JSON.stringify(await benchAudit(n), null, 2)}\n`);
}
