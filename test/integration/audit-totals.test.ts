/**
 * The audit log's totals (issue 15) on dynalite through the real counters adapter: for random logs
 * — days without records, checkpoints spanning midnight, empty checkpoints, counting retried after
 * a crash at any write, the same checkpoint counted by two sealers at once — the total of any whole-
 * day period, overall and per institution, is the number of records in it up to `countedUpTo`; it
 * costs the same few reads at any size; a log counted before the cumulative counters existed is
 * backfilled in slices (no total meanwhile, never a wrong one). Runs from a fixed seed
 * (`TOTALS_PROPERTY_SEED=random` explores; `TOTALS_PROPERTY_RUNS`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { startEmulators, type Emulators } from '../../infra/local/emulators.js';
import { DynamoAuditStats } from '../../shared/adapters/aws/dynamodb-audit-stats.js';
import { TABLES } from '../../shared/config/resources.js';
import { countByDay, NO_INSTITUTION } from '../../shared/domain/audit-stats.js';
import type { AuditFilter } from '../../shared/ports/index.js';
import { eventsTotal } from '../../shared/use-cases/audit-queries.js';
import { sealRun } from '../../shared/use-cases/audit-seal.js';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';
import { countingDocumentClient, type ReadCounter } from '../support/counting-dynamo.js';

const SEED: { seed?: number } =
  process.env.TOTALS_PROPERTY_SEED === 'random'
    ? {}
    : { seed: Number(process.env.TOTALS_PROPERTY_SEED ?? 20261204) };
const RUNS = Number(process.env.TOTALS_PROPERTY_RUNS ?? 8);

const INSTITUTIONS = ['UGENT', 'KUL', 'VUB', undefined] as const;
const START = Date.UTC(2026, 10, 1); // 2026-11-01
const DAYS = 8;
const day = (i: number) => new Date(START + i * 86_400_000).toISOString().slice(0, 10);

interface Rec {
  readonly id: string;
  readonly at: string;
  readonly actor: { id: string; role: 'institution' | 'auditor'; institution?: string };
  readonly outcome: string;
}

/** A random log: records at random instants of DAYS days (some days empty), time-ordered. */
const logArb = fc
  .array(
    fc.record({
      // Several days without records: a record falls on a day drawn from a subset.
      dayIndex: fc.constantFrom(0, 1, 3, 4, 6),
      ms: fc.integer({ min: 0, max: 86_399_999 }),
      who: fc.integer({ min: 0, max: INSTITUTIONS.length - 1 }),
      denied: fc.boolean(),
    }),
    { maxLength: 40 },
  )
  .map((raw) =>
    raw
      .map((r, i): Rec => {
        const institution = INSTITUTIONS[r.who];
        return {
          id: `r${String(i).padStart(3, '0')}`,
          at: new Date(START + r.dayIndex * 86_400_000 + r.ms).toISOString(),
          actor: institution
            ? { id: `client-${institution}`, role: 'institution', institution }
            : { id: 'auditor-1', role: 'auditor' },
          outcome: r.denied ? 'DENIED:NOT_VISIBLE' : 'ALLOWED',
        };
      })
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
  );

/** Cutoffs of the checkpoints: random instants (spanning midnight or not, some windows empty). */
const cutoffsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: DAYS * 86_400_000 }), { minLength: 1, maxLength: 12 })
  .map((xs) => xs.sort((a, b) => a - b).map((x) => new Date(START + x).toISOString()));

/** How each checkpoint is counted: once, twice, by two sealers at once, or crashing after k writes first. */
const modeArb = fc.oneof(
  fc.constant({ kind: 'once' as const }),
  fc.constant({ kind: 'twice' as const }),
  fc.constant({ kind: 'concurrent' as const }),
  fc.record({ kind: fc.constant('crash' as const), after: fc.integer({ min: 0, max: 12 }) }),
);

/** A client that fails every call after `limit` successful ones (a sealer killed mid-count). */
function crashingAfter(db: DynamoDBDocumentClient, limit: number): DynamoDBDocumentClient {
  let calls = 0;
  return {
    send: (command: never) => {
      if (calls++ >= limit) return Promise.reject(new Error('sealer killed'));
      return db.send(command);
    },
  } as unknown as DynamoDBDocumentClient;
}

const endOf = (d: string) => `${d}T23:59:59.999Z`;
const startOf = (d: string) => `${d}T00:00:00.000Z`;

/** The truth: records of a scope in [from, to] (whole days), counted up to `upTo`. */
function expected(
  records: readonly Rec[],
  scope: string | undefined,
  from?: string,
  to?: string,
  upTo?: string,
) {
  return records.filter(
    (r) =>
      (scope === undefined || (r.actor.institution ?? NO_INSTITUTION) === scope) &&
      (from === undefined || r.at >= startOf(from)) &&
      (to === undefined || r.at <= endOf(to)) &&
      (upTo === undefined || r.at <= upTo),
  ).length;
}

/** The control table as a sealer from before the cumulative counters left it: none, and no flag. */
async function asBeforeCumulativeCounters(db: DynamoDBDocumentClient, table: string): Promise<void> {
  for (const item of (await db.send(new ScanCommand({ TableName: table }))).Items ?? [])
    if (/^audit-(total|cum)#/.test(String(item.pk)))
      await db.send(new DeleteCommand({ TableName: table, Key: { pk: item.pk } }));
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: 'audit-stats' },
      UpdateExpression: 'REMOVE cumulative',
    }),
  );
}

describe('audit log totals from the cumulative counters', () => {
  let dataDir: string;
  let emulators: Emulators;
  let db: DynamoDBDocumentClient;
  let reads: ReadCounter;
  let tables = 0;

  /** A fresh control table (the counters' keys are fixed; each random log gets its own table). */
  async function freshTable(): Promise<string> {
    const name = `totals-${tables++}`;
    const def = TABLES.control;
    const index = def.globalIndexes[0];
    await db.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: def.partitionKey.name, AttributeType: 'S' },
          { AttributeName: index.partitionKey.name, AttributeType: 'S' },
          { AttributeName: index.sortKey.name, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: def.partitionKey.name, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    for (;;) {
      const d = await db.send(new DescribeTableCommand({ TableName: name }));
      if (d.Table?.TableStatus === 'ACTIVE') return name;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Every whole-day period over the log's days and one day either side, and the open ones. */
  const periods: { from?: string; to?: string }[] = [{}];
  for (let a = -1; a <= DAYS; a++) {
    periods.push({ from: day(a) }, { to: day(a) });
    for (let b = a; b <= DAYS; b++) periods.push({ from: day(a), to: day(b) });
  }
  const scopes = [undefined, 'UGENT', 'KUL', 'VUB'];

  /** Asserts every period's total, in every scope, against the records up to `countedUpTo`. */
  async function assertTotals(stats: DynamoAuditStats, records: readonly Rec[], upTo: string | undefined) {
    for (const scope of scopes)
      for (const p of periods) {
        const filter: AuditFilter = {
          ...(scope ? { institution: scope } : {}),
          ...(p.from ? { from: startOf(p.from) } : {}),
          ...(p.to ? { to: endOf(p.to) } : {}),
        };
        const got = await eventsTotal({ stats }, filter);
        const want = expected(records, scope, p.from, p.to, got?.countedUpTo);
        assert.ok(got, `a total for ${JSON.stringify(filter)}`);
        assert.equal(got.total, want, `${JSON.stringify(filter)} counted up to ${got.countedUpTo}`);
        if (upTo) assert.ok(got.countedUpTo >= upTo, `counted up to ${got.countedUpTo}, not before ${upTo}`);
      }
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ruling-intake-totals-'));
    emulators = await startEmulators({ dataDir });
    const client = countingDocumentClient(emulators.dynamoEndpoint);
    db = client.db;
    reads = client.reads;
  });

  after(async () => {
    await emulators?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives every whole-day period the number of its records, whatever the checkpoints and retries', async () => {
    await fc.assert(
      fc.asyncProperty(
        logArb,
        cutoffsArb,
        fc.array(modeArb, { minLength: 12, maxLength: 12 }),
        async (records, cutoffs, modes) => {
          const table = await freshTable();
          const stats = new DynamoAuditStats(db, table);
          let after = '';
          for (const [i, cutoff] of cutoffs.entries()) {
            const sequence = i + 1;
            const counts = countByDay(records.filter((r) => r.at > after && r.at <= cutoff));
            const mode = modes[i]!;
            if (mode.kind === 'crash')
              await new DynamoAuditStats(crashingAfter(db, mode.after), table)
                .add(sequence, cutoff, counts)
                .catch(() => undefined);
            if (mode.kind === 'concurrent')
              await Promise.all([
                stats.add(sequence, cutoff, counts),
                new DynamoAuditStats(db, table).add(sequence, cutoff, counts),
              ]);
            else await stats.add(sequence, cutoff, counts);
            if (mode.kind === 'twice') await stats.add(sequence, cutoff, counts);
            after = cutoff;
            // Midway too: what is counted is exact up to countedUpTo.
            if (i === Math.floor(cutoffs.length / 2)) await assertTotals(stats, records, cutoff);
          }
          await assertTotals(stats, records, after);
        },
      ),
      { numRuns: RUNS, ...SEED },
    );
  });

  it('costs two point reads and two one-item queries at any size; other filters get no total', async () => {
    const table = await freshTable();
    const stats = new DynamoAuditStats(db, table);
    const counts = (n: number, d: string) => [
      { day: d, institution: 'UGENT', allowed: n, denied: 1, declared: 0, nonDho: 0 },
      { day: d, institution: 'KUL', allowed: 2, denied: 0, declared: 0, nonDho: 0 },
    ];
    // 200 days of counted history.
    for (let i = 0; i < 200; i++) {
      const d = new Date(START - (200 - i) * 86_400_000).toISOString().slice(0, 10);
      await stats.add(i + 1, `${d}T23:00:00.000Z`, counts(i, d));
    }
    const from = new Date(START - 120 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(START - 20 * 86_400_000).toISOString().slice(0, 10);
    reads.reset();
    const got = await eventsTotal({ stats }, { institution: 'UGENT', from: startOf(from), to: endOf(to) });
    assert.ok(reads.items <= 4, `read ${reads.items} items`);
    assert.equal(reads.scans, 0);
    // Days 80..180 of the history: UGENT had i + 1 records on day i.
    let want = 0;
    for (let i = 80; i <= 180; i++) want += i + 1;
    assert.equal(got?.total, want);
    for (const filter of [
      { subject: 'x' },
      { actorId: 'client-UGENT' },
      { action: 'credit.read' },
      { outcome: 'DENIED' },
      { institution: 'UGENT', from: '2026-10-01T10:00:00.000Z' },
      { to: '2026-10-01T00:00:00.000Z' },
      // Counted as a scope, but as a filter it finds no record (no actor institution is `-`).
      { institution: NO_INSTITUTION },
    ] satisfies AuditFilter[]) {
      reads.reset();
      assert.equal(await eventsTotal({ stats }, filter), undefined, JSON.stringify(filter));
      assert.equal(reads.requests, 0, 'an uncounted filter reads nothing for a total');
    }
  });

  it('backfills a log counted before the cumulative counters existed, slice by slice, even after a counting cut short', async () => {
    const table = await freshTable();
    const stats = new DynamoAuditStats(db, table);
    // 30 records, 5 an hour from 08:00 on days 0, 1, 3, 4, 5 and 7 (days 2 and 6 empty).
    const records: Rec[] = [0, 1, 3, 4, 5, 7].flatMap((d) =>
      Array.from({ length: 5 }, (_, k): Rec => {
        const institution = INSTITUTIONS[(d + k) % INSTITUTIONS.length];
        return {
          id: `b${d}-${k}`,
          at: new Date(START + d * 86_400_000 + (8 + k) * 3_600_000).toISOString(),
          actor: institution
            ? { id: `client-${institution}`, role: 'institution', institution }
            : { id: 'auditor-1', role: 'auditor' },
          outcome: k === 2 ? 'DENIED:NOT_VISIBLE' : 'ALLOWED',
        };
      }),
    );
    const cutoffs = [
      `${day(1)}T12:00:00.000Z`,
      `${day(3)}T09:30:00.000Z`,
      `${day(3)}T10:30:00.000Z`,
      `${day(5)}T10:30:00.000Z`,
      `${day(7)}T23:00:00.000Z`,
    ];
    const windowOf = (i: number) =>
      records.filter((r) => r.at > (i > 0 ? cutoffs[i - 1]! : '') && r.at <= cutoffs[i]!);
    // Checkpoints 1–3 counted by the old sealer; checkpoint 4 (days 3, 4 and 5: two midnights) cut
    // short after its first day's per-day counters.
    assert.deepEqual([...new Set(countByDay(windowOf(3)).map((c) => c.day))], [day(3), day(4), day(5)]);
    for (let i = 0; i < 3; i++) await stats.add(i + 1, cutoffs[i]!, countByDay(windowOf(i)));
    await new DynamoAuditStats(crashingAfter(db, 1), table)
      .add(4, cutoffs[3]!, countByDay(windowOf(3)))
      .catch(() => undefined);
    // What the old sealer left: no cumulative items, no flag.
    await asBeforeCumulativeCounters(db, table);
    assert.equal(await eventsTotal({ stats }, {}), undefined, 'no total before the backfill');

    let slices = 0;
    while (!(await stats.backfillCumulative(day(7), 2))) {
      slices++;
      assert.equal(await eventsTotal({ stats }, {}), undefined, 'no total during the backfill');
    }
    assert.ok(slices >= 3, `${slices} slices of 2 days`);
    assert.equal((await stats.watermark())?.cumulative, true);
    // The new sealer counts checkpoint 4 again (its first day already counted) and 5.
    await stats.add(4, cutoffs[3]!, countByDay(windowOf(3)));
    await stats.add(5, cutoffs[4]!, countByDay(windowOf(4)));
    await assertTotals(stats, records, cutoffs[4]);
  });

  it('the sealer backfills before it counts on, and its totals then match the log', async () => {
    const table = await freshTable();
    const stats = new DynamoAuditStats(db, table);
    const keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-totals-key-'));
    try {
      const log: AuditRecord[] = [];
      const ports = {
        audit: {
          async *all() {
            yield* log;
          },
          async *between(after: string, upTo: string) {
            for (const r of log) if (r.at > after && r.at <= upTo) yield r;
          },
        },
        checkpoints: new MemoryCheckpoints(),
        signer: new LocalSigner(keyDir),
        stats,
      };
      const write = (n: number, at: number) => {
        for (let i = 0; i < n; i++)
          log.push({
            id: `s${log.length}`,
            at: new Date(at + i * 1000).toISOString(),
            actor: { id: 'client-KUL', role: 'institution', institution: i % 2 ? 'KUL' : 'UGENT' },
            action: 'credit.read',
            purpose: 'enrolment',
            outcome: 'ALLOWED',
            requestId: `s${log.length}`,
          });
      };
      write(6, START);
      await sealRun(ports, new Date(START + 3_600_000));
      write(4, START + 86_400_000);
      await sealRun(ports, new Date(START + 86_400_000 + 3_600_000));
      assert.equal((await eventsTotal({ stats }, {}))?.total, 10);
      // As the sealer before the cumulative counters left it.
      await asBeforeCumulativeCounters(db, table);
      assert.equal(await eventsTotal({ stats }, {}), undefined);
      write(5, START + 2 * 86_400_000);
      const run = await sealRun(ports, new Date(START + 2 * 86_400_000 + 3_600_000));
      assert.equal(run.counted, 1, 'backfilled, then counted the new checkpoint');
      const total = await eventsTotal({ stats }, {});
      assert.equal(total?.total, 15);
      assert.equal((await eventsTotal({ stats }, { institution: 'KUL', from: startOf(day(1)) }))?.total, 4);
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });
});
