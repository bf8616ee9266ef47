/**
 * Growth (issue 14) of an inclusion proof — what `GET /v1/audit/records/{id}/proof` and a clerk's
 * receipt build — at growing history sizes: from the Merkle tiles (the record by id, bisection to
 * its checkpoint, the head, a few tiles; then verified against the signed root) and, for
 * comparison, from the whole history (`proveRecord`: every checkpoint's listing, the path before
 * tiles and the fallback). Time per call and items read per call (records by id, checkpoints,
 * tiles). In memory behind the ports with the real local signer: it counts the reads a store would
 * answer, not DynamoDB/S3 latency (about 10–30 ms each on AWS, the bisection's reads in sequence).
 * Checkpoints are hourly here, as in verify-growth.ts; the sealer's are per minute (60× as many
 * checkpoints: about 6 more bisection reads, no more tiles).
 * `node --expose-gc --import tsx test/bench/proof-growth.ts 1000,10000,100000`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import { pemVerifier } from '../../shared/domain/audit-chain.js';
import { verifyRecordProof } from '../../shared/domain/audit-proof.js';
import type { AuditSource, CheckpointStore } from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { proveSealedRecord } from '../../shared/use-cases/audit-proof.js';
import { proveRecord, sealAudit } from '../../shared/use-cases/audit-seal.js';
import { extendTiles } from '../../shared/use-cases/audit-tiles.js';
import { seedRecords } from '../support/audit-seed.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';
import { MemoryTiles } from '../support/memory-tiles.js';
import { int, ms, ratio, stats, table } from './stats.js';

const PER_DAY = 274;
const HOUR = 3_600_000;

interface Measure {
  readonly ms: number;
  readonly p95: number;
  /** Items read per call (median): records by id + checkpoints + tiles. */
  readonly items: number;
  readonly checkpoints: number;
  readonly tiles: number;
}

async function one(
  n: number,
  runs: number,
  signer: LocalSigner,
): Promise<{ tiles: Measure; history: Measure; checkpoints: number; tileItems: number; buildMs: number }> {
  const end = Date.parse('2026-06-01T00:00:00.000Z');
  const days = Math.max(1, Math.ceil(n / PER_DAY));
  const records = seedRecords(n, { end: new Date(end - HOUR), days, subjects: Math.max(1, n / 8) }).sort(
    (a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0),
  );
  const byId = new Map(records.map((r) => [r.id, r]));
  let first = 0;
  const audit: AuditSource = {
    async *all() {
      yield* records;
    },
    async *between(after: string, upTo: string) {
      while (first < records.length && records[first]!.at <= after) first++;
      for (let i = first; i < records.length && records[i]!.at <= upTo; i++) yield records[i]!;
    },
  };
  const memory = new MemoryCheckpoints();
  const tiles = new MemoryTiles();
  const start = Date.parse(records[0]!.at) - HOUR;
  let buildMs = 0;
  for (let t = start + HOUR; t <= end; t += HOUR) {
    await sealAudit({ audit, checkpoints: memory, signer, now: new Date(t), graceMs: 0, sealEmpty: true });
    // The sealer extends the tiles after each run.
    const b = performance.now();
    await extendTiles({ checkpoints: memory, tiles });
    buildMs += performance.now() - b;
  }
  const pem = await signer.publicKeyPem();
  const check = pemVerifier(pem);
  const count = { gets: 0, byId: 0 };
  const counted: CheckpointStore = {
    put: (s, b, sig) => memory.put(s, b, sig),
    latest: () => memory.latest(),
    list: async () => {
      const all = await memory.list();
      count.gets += all.length;
      return all;
    },
    get: async (s) => (count.gets++, memory.get(s)),
  };
  const byIdSource = {
    get: async (id: string): Promise<AuditRecord | undefined> => (count.byId++, byId.get(id)),
  };
  const targets = Array.from({ length: runs }, (_, i) => records[Math.floor(((i + 0.5) * n) / runs)]!);

  const measure = async (prove: (r: AuditRecord) => Promise<unknown>): Promise<Measure> => {
    for (const r of targets.slice(0, 5)) await prove(r); // warm-up
    const times: number[] = [];
    const reads: { items: number; checkpoints: number; tiles: number }[] = [];
    for (const r of targets) {
      count.gets = 0;
      count.byId = 0;
      tiles.reads = 0;
      const t = performance.now();
      await prove(r);
      times.push(performance.now() - t);
      reads.push({
        items: count.byId + count.gets + tiles.reads,
        checkpoints: count.gets,
        tiles: tiles.reads,
      });
    }
    const s = stats(times);
    const median = (f: (x: (typeof reads)[number]) => number) =>
      reads.map(f).sort((a, b) => a - b)[Math.floor(reads.length / 2)]!;
    return {
      ms: s.median,
      p95: s.p95,
      items: median((x) => x.items),
      checkpoints: median((x) => x.checkpoints),
      tiles: median((x) => x.tiles),
    };
  };
  const viaTiles = await measure(async (r) => {
    const out = await proveSealedRecord(
      { checkpoints: counted, tiles, audit: byIdSource, publicKeyPem: pem },
      r.id,
    );
    if (out.status !== 'proven' || out.via !== 'tiles') throw new Error(`${r.id}: ${out.status}`);
  });
  const viaHistory = await measure(async (r) => {
    const proof = await proveRecord(counted, r.id);
    if (!proof || !verifyRecordProof(proof, check).ok) throw new Error(`${r.id}: no proof`);
  });
  return {
    tiles: viaTiles,
    history: viaHistory,
    checkpoints: memory.size,
    tileItems: tiles.tiles.size + 1,
    buildMs,
  };
}

export async function benchProofGrowthSection(sizes: readonly number[], runs: number): Promise<string[]> {
  const keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-proof-bench-'));
  try {
    const signer = new LocalSigner(keyDir);
    const results = new Map<number, Awaited<ReturnType<typeof one>>>();
    for (const n of sizes) {
      const t = performance.now();
      results.set(n, await one(n, runs, signer));
      process.stderr.write(
        `[bench] proof growth ${n} records: ${((performance.now() - t) / 1000).toFixed(0)} s\n`,
      );
    }
    const first = sizes[0]!;
    const rows = (['tiles', 'history'] as const).flatMap((kind) =>
      sizes.map((n) => {
        const r = results.get(n)!;
        const m = r[kind];
        const a = results.get(first)![kind];
        return [
          `${kind === 'tiles' ? 'from the tiles (now)' : 'from every checkpoint (before)'} @ ${int(n)}`,
          int(r.checkpoints),
          `${ms(m.ms, 2)} / ${ms(m.p95, 2)}`,
          int(m.items),
          int(m.checkpoints),
          int(m.tiles),
          n === first ? '' : `${ratio(m.ms, a.ms)} time, ${ratio(m.items, a.items)} items`,
        ];
      }),
    );
    const last = results.get(sizes.at(-1)!)!;
    return [
      '### Inclusion proofs: from the Merkle tiles',
      '',
      `One record's inclusion proof (the auditor's \`/proof\`, the clerk's receipt) over ${sizes.map(int).join(' / ')} sealed records, in memory behind the ports with the real local signer (test/bench/proof-growth.ts; hourly checkpoints, the tiles extended by \`extendTiles\` after each seal as the sealer does). Median and 95th percentile of ${runs} calls on records spread over the log, each verified against the signed head; items read per call (median): the record by id, checkpoints (bisection to the sealing checkpoint, and the head), tiles. "Before" is the whole-history path, still the fallback when a tile-built proof is refused. At ${int(sizes.at(-1)!)} records the tiles are ${int(last.tileItems)} control-table items; extending them cost ${ms(last.buildMs / last.checkpoints, 3)} ms per checkpoint.`,
      '',
      ...table(
        [
          '',
          'checkpoints',
          'ms (median / p95)',
          'items read',
          'checkpoints read',
          'tiles read',
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
  const runs = Number(process.argv[3] ?? 21);
  process.stdout.write(`${(await benchProofGrowthSection(sizes, runs)).join('\n')}\n`);
  process.exit(0);
}
