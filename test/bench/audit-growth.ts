/**
 * Growth (issue 14): the auditor's queries, the subject report, the chart, the log's totals
 * (issue 15) and the intake lists on dynalite at growing table sizes — time and items read per
 * call, and the ratio largest ÷ smallest.
 * A fresh local table per size, seeded with BatchWriteItem as the writers store records (about
 * 274 consultations a day: 100,000 a year), read through the real adapters and a client that
 * counts what each call reads. `npm run bench` calls `benchAuditGrowthSection`; or run this file:
 * `node --import tsx test/bench/audit-growth.ts 1000,10000`.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startEmulators } from '../../infra/local/emulators.js';
import { DynamoAuditStats } from '../../shared/adapters/aws/dynamodb-audit-stats.js';
import { DynamoAuditLog, DynamoIntakeStatusStore } from '../../shared/adapters/aws/dynamodb-records.js';
import { countByDay } from '../../shared/domain/audit-stats.js';
import type { KeyService } from '../../shared/ports/index.js';
import {
  auditChart,
  eventsTotal,
  findEvents,
  listEvents,
  subjectReport,
  type AuditQueryDeps,
} from '../../shared/use-cases/audit-queries.js';
import { listHeld } from '../../shared/use-cases/admin.js';
import { listUploads } from '../../shared/use-cases/clerk.js';
import { countingDocumentClient } from '../support/counting-dynamo.js';
import { seedAudit, seedRecords } from '../support/audit-seed.js';
import { int, ms, ratio, table } from './stats.js';

const PER_DAY = 274;

interface Measure {
  readonly ms: number;
  readonly items: number;
}
type Row = Record<string, Measure>;

const keys: KeyService = {
  async mac(purpose, message) {
    return createHmac('sha256', 'bench').update(`${purpose}:${message}`).digest('hex');
  },
};

/** The pseudonym the bench key gives a national number (the subject report looks people up by number). */
const PERSON = '85073003328';

async function one(n: number, runs: number): Promise<Row> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ruling-intake-growth-'));
  const emulators = await startEmulators({ dataDir });
  try {
    const { db, reads } = countingDocumentClient(emulators.dynamoEndpoint);
    const audit = new DynamoAuditLog(db, emulators.tables.audit);
    const statuses = new DynamoIntakeStatusStore(db, emulators.tables.intake);
    const stats = new DynamoAuditStats(db, emulators.tables.control);
    const now = new Date();
    const end = new Date(now.getTime() - 3_600_000);
    const days = Math.max(1, Math.ceil(n / PER_DAY));
    const records = seedRecords(n, { end, days, subjects: Math.max(1, Math.floor(n / 8)) });
    // One person with the same history at every size: 8 accesses.
    const person = await keys.mac('pseudonym', PERSON);
    for (let i = 0; i < 8; i++)
      records[Math.floor((i * n) / 8)] = { ...records[Math.floor((i * n) / 8)]!, subject: person };
    await seedAudit(db, emulators.tables.audit, records);
    await stats.add(1, end.toISOString(), countByDay(records));
    // Intake statuses: n uploads by 5 clerks, 25 held (open items are bounded by the operators'
    // work, not by the history), the rest finished.
    const heldEvery = Math.floor(n / 25);
    const statusItems = Array.from({ length: n }, (_, i) => {
      const at = new Date(end.getTime() - (n - i) * 60_000).toISOString();
      const held = i % heldEvery === 0;
      return {
        intakeId: `bench-${String(i).padStart(8, '0')}`,
        uploader: `griffie-${i % 5}`,
        key: `incoming/griffie-${i % 5}/bench-${i}.pdf`,
        receivedAt: at,
        updatedAt: at,
        status: held ? 'HELD' : 'APPLIED',
        ...(held ? { openState: 'HELD', code: 'IDENTITY_MISMATCH' } : {}),
      };
    });
    for (let i = 0; i < statusItems.length; i += 25) {
      let pending: unknown[] = statusItems.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const out = await db.send(
          new BatchWriteCommand({ RequestItems: { [emulators.tables.intake]: pending as never } }),
        );
        pending = out.UnprocessedItems?.[emulators.tables.intake] ?? [];
      }
    }

    const deps: AuditQueryDeps = {
      audit,
      keys,
      stats,
      ledger: { readStudentFile: async () => ({ student: undefined, entries: [], enrolments: [] }) } as never,
      names: {} as never,
    };
    let request = 0;
    const ctx = () => ({
      p: { sub: 'bench-auditor', role: 'auditor' as const },
      requestId: `bench-${request++}`,
      now,
    });
    const day = records[Math.floor(n / 2)]!.at.slice(0, 10);
    // The cursor of the page at offset n/2 (walked once, outside the measurement).
    let deep: string | undefined;
    for (let offset = 0; offset < n / 2; offset += 1000)
      deep = (
        await findEvents(deps, ctx(), {
          limit: String(Math.min(1000, n / 2 - offset)),
          ...(deep ? { next: deep } : {}),
        })
      ).next;
    const clerk = { sub: 'griffie-1', role: 'clerk' as const };
    const operator = { sub: 'bench-operator', role: 'operator' as const };
    const adminDeps = { statuses, audit } as never;

    const calls: Record<string, () => Promise<unknown>> = {
      'events by subject': () => findEvents(deps, ctx(), { subject: PERSON, limit: '25' }),
      'institution + one day': () =>
        findEvents(deps, ctx(), {
          institution: 'KUL',
          from: `${day}T00:00:00Z`,
          to: `${day}T23:59:59.999Z`,
          limit: '25',
        }),
      'unfiltered, first page': () => findEvents(deps, ctx(), { limit: '25' }),
      'page at offset N/2': () => findEvents(deps, ctx(), { limit: '25', next: deep! }),
      'data-subject report': () => subjectReport(deps, ctx(), PERSON),
      'chart, 31 days': () => auditChart(deps, ctx(), { days: '31' }),
      // The log's totals from the cumulative counters (issue 15): never the records.
      'total, whole log': () => eventsTotal(deps, {}),
      'total, institution + period': () =>
        eventsTotal(deps, {
          institution: 'KUL',
          from: `${records[0]!.at.slice(0, 10)}T00:00:00.000Z`,
          to: `${day}T23:59:59.999Z`,
        }),
      'unfiltered first page + total': () => listEvents(deps, ctx(), { limit: '25' }),
      "clerk's list (first page)": () =>
        listUploads({ statuses, uploads: {} as never }, clerk, { limit: '50' }),
      'held list (first page)': () =>
        listHeld(adminDeps, { p: operator, requestId: `bench-${request++}`, now }, { limit: '50' }),
    };
    const row: Row = {};
    for (const [name, call] of Object.entries(calls)) {
      await call(); // warm-up
      const times: number[] = [];
      let items = 0;
      for (let r = 0; r < runs; r++) {
        reads.reset();
        const t = performance.now();
        await call();
        times.push(performance.now() - t);
        items = reads.items;
      }
      times.sort((a, b) => a - b);
      row[name] = { ms: times[Math.floor(times.length / 2)]!, items };
    }
    return row;
  } finally {
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchAuditGrowth(sizes: readonly number[], runs = 7): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  for (const n of sizes) {
    const t = performance.now();
    out.set(n, await one(n, runs));
    process.stderr.write(`[bench] growth ${n} records: ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
  }
  return out;
}

/** The Markdown section of docs/benchmarks.md. */
export async function benchAuditGrowthSection(sizes: readonly number[], runs: number): Promise<string[]> {
  const results = await benchAuditGrowth(sizes, runs);
  const first = sizes[0]!;
  const last = sizes.at(-1)!;
  const names = Object.keys(results.get(first)!);
  const rows = names.map((name) => {
    const cells = sizes.flatMap((n) => {
      const m = results.get(n)![name]!;
      return [ms(m.ms, 1), int(m.items)];
    });
    const a = results.get(first)![name]!;
    const b = results.get(last)![name]!;
    return [name, ...cells, ratio(b.ms, a.ms), ratio(Math.max(1, b.items), Math.max(1, a.items))];
  });
  return [
    '## Audit trail and intake lists: growth',
    '',
    `Each auditor query, the data-subject report, the chart, the log's totals (cumulative counters) and the intake lists on dynalite with ${sizes.map(int).join(' / ')} audit records (about ${PER_DAY} a day, as 100,000 consultations a year) and as many intake statuses (25 of them held), a fresh table per size seeded with BatchWriteItem; through the real adapters and use cases (each call also writes its own audit record) and a DynamoDB client that counts the items each call reads (as DynamoDB bills them: items a Query evaluated, keys a GetItem or BatchGetItem asked for). Median of ${runs} calls after a warm-up. The page at offset N/2 is fetched with the cursor the previous page handed out.`,
    '',
    ...table(
      [
        '',
        ...sizes.flatMap((n) => [`ms @ ${int(n)}`, `items read @ ${int(n)}`]),
        `time ${int(last)} ÷ ${int(first)}`,
        `items ${int(last)} ÷ ${int(first)}`,
      ],
      rows,
    ),
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
  process.stdout.write(`${(await benchAuditGrowthSection(sizes, 7)).join('\n')}\n`);
  process.exit(0);
}
