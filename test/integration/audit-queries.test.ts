/**
 * Auditor queries and the intake lists cost their result (issue 14): on dynalite, through the real
 * adapters and a client that counts the items each call reads. Every query reads one index
 * partition, newest first, and pages with a cursor; items read per call stay near the page size
 * whatever the table holds. No timings are asserted.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulators, type Emulators } from '../../infra/local/emulators.js';
import { encodeCursor } from '../../shared/adapters/aws/audit-index.js';
import { DynamoAuditStats } from '../../shared/adapters/aws/dynamodb-audit-stats.js';
import { DynamoAuditLog, DynamoIntakeStatusStore } from '../../shared/adapters/aws/dynamodb-records.js';
import { countByDay } from '../../shared/domain/audit-stats.js';
import {
  InvalidCursorError,
  type AuditRecord,
  type IntakeStatus,
  type KeyService,
} from '../../shared/ports/index.js';
import {
  auditChart,
  findEvents,
  listEvents,
  subjectReport,
  type AuditQueryDeps,
} from '../../shared/use-cases/audit-queries.js';
import { RequestRefusedError } from '../../shared/use-cases/errors.js';
import { countingDocumentClient, type ReadCounter } from '../support/counting-dynamo.js';
import { seedAudit, seedRecords, subjectOf } from '../support/audit-seed.js';
import { nationalNumber } from './helpers.js';

const N = 1500;
const DAYS = 6;
const PAGE = 25;
const end = new Date(Date.now() - 3_600_000);
const records = seedRecords(N, { end, days: DAYS, subjects: 40 });
const newestFirst = (a: AuditRecord, b: AuditRecord) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0);
const dayOf = (iso: string) => iso.slice(0, 10);
const range = {
  newestDay: dayOf(new Date(Date.now() + 86_400_000).toISOString()),
  oldestDay: dayOf(new Date(end.getTime() - DAYS * 86_400_000).toISOString()),
};

const keys: KeyService = {
  async mac(purpose, message) {
    return createHmac('sha256', 'test-key').update(`${purpose}:${message}`).digest('hex');
  },
};

describe('auditor queries and intake lists read what they return', () => {
  let dataDir: string;
  let emulators: Emulators;
  let audit: DynamoAuditLog;
  let statuses: DynamoIntakeStatusStore;
  let stats: DynamoAuditStats;
  let reads: ReadCounter;

  /** Items read by one call. */
  async function cost<T>(call: () => Promise<T>): Promise<{ value: T; items: number; scans: number }> {
    reads.reset();
    const value = await call();
    return { value, items: reads.items, scans: reads.scans };
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ruling-intake-queries-'));
    emulators = await startEmulators({ dataDir });
    const client = countingDocumentClient(emulators.dynamoEndpoint);
    reads = client.reads;
    audit = new DynamoAuditLog(client.db, emulators.tables.audit);
    statuses = new DynamoIntakeStatusStore(client.db, emulators.tables.intake);
    stats = new DynamoAuditStats(client.db, emulators.tables.control);
    await seedAudit(client.db, emulators.tables.audit, records);
  });

  after(async () => {
    await emulators?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('pages the unfiltered log newest first, day by day, every record once, each page costing its size', async () => {
    const seen: AuditRecord[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await cost(() => audit.query({}, { limit: 100, ...(next ? { next } : {}), ...range }));
      assert.equal(page.scans, 0, 'no scan');
      assert.ok(page.value.items.length <= 100);
      assert.ok(page.items <= 100 + 2 * (DAYS + 2), `page ${pages} read ${page.items} items`);
      seen.push(...page.value.items);
      next = page.value.next;
      pages++;
    } while (next);
    assert.equal(seen.length, N);
    assert.equal(new Set(seen.map((r) => r.id)).size, N);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.at >= seen[i]!.at, 'newest first');
    // Stored form: the index attributes never come back.
    assert.deepEqual(
      seen.find((r) => r.id === records[7]!.id),
      records[7],
    );
  });

  it('reads about one page for a subject, an institution on one day, a first page and a deep page', async () => {
    const subject = subjectOf(3);
    const bySubject = await cost(() => audit.query({ subject }, { limit: PAGE, ...range }));
    assert.equal(bySubject.value.items.length, PAGE);
    assert.ok(bySubject.value.items.every((r) => r.subject === subject));
    assert.ok(bySubject.items <= PAGE + 1, `subject: ${bySubject.items}`);

    const day = dayOf(records[N / 2]!.at);
    const oneDay = { institution: 'KUL', from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z` };
    const byInst = await cost(() => audit.query(oneDay, { limit: PAGE, ...range }));
    assert.equal(byInst.value.items.length, PAGE);
    assert.ok(byInst.value.items.every((r) => r.actor.institution === 'KUL' && dayOf(r.at) === day));
    assert.ok(byInst.items <= PAGE + 1, `institution + day: ${byInst.items}`);

    const first = await cost(() => audit.query({}, { limit: PAGE, ...range }));
    assert.ok(first.items <= PAGE + 4, `first page: ${first.items}`);

    // The page at offset N/2, from the cursor the previous page handed out.
    let next: string | undefined;
    for (let offset = 0; offset < N / 2; offset += 250)
      next = (await audit.query({}, { limit: 250, ...(next ? { next } : {}), ...range })).next;
    const deep = await cost(() => audit.query({}, { limit: PAGE, next: next!, ...range }));
    assert.equal(deep.value.items.length, PAGE);
    assert.ok(deep.items <= PAGE + 4, `deep page: ${deep.items}`);
    const expected = [...records]
      .sort(newestFirst)
      .slice(N / 2, N / 2 + PAGE)
      .map((r) => r.at);
    assert.deepEqual(
      deep.value.items.map((r) => r.at),
      expected,
    );
  });

  it('applies the other filters (action and outcome prefixes, actor) on the index it reads', async () => {
    const all: AuditRecord[] = [];
    let next: string | undefined;
    do {
      const page = await audit.query(
        { institution: 'UGENT', outcome: 'DENIED', action: 'credit' },
        { limit: 50, ...(next ? { next } : {}), ...range },
      );
      all.push(...page.items);
      next = page.next;
    } while (next);
    const expected = records.filter(
      (r) => r.actor.institution === 'UGENT' && r.outcome.startsWith('DENIED:'),
    );
    assert.equal(all.length, expected.length);
    const actor = 'client-VUB-1';
    const byActor = await audit.query({ actorId: actor }, { limit: 1000, ...range });
    assert.equal(byActor.items.length, records.filter((r) => r.actor.id === actor).length);
  });

  it('refuses cursors it did not hand out, and cursors of another query', async () => {
    const page = await audit.query({ subject: subjectOf(1) }, { limit: 5, ...range });
    const bad = [
      'not a cursor!',
      Buffer.from('{"i":"bySubject"').toString('base64url'),
      encodeCursor({ i: 'byActor', k: { id: 'x', actorId: 'y', atId: 'z' } }),
      encodeCursor({ i: 'bySubject', k: { id: 'x', subject: subjectOf(2), atId: 'z' } }),
      encodeCursor({ i: 'bySubject', k: { id: 'x', subject: subjectOf(1), atId: 'z', extra: 'w' } }),
      encodeCursor({ i: 'bySubject', k: { id: 'x', subject: subjectOf(1), atId: 'z' }, d: '2026-01-01' }),
    ];
    for (const next of bad)
      await assert.rejects(
        audit.query({ subject: subjectOf(1) }, { limit: 5, next, ...range }),
        InvalidCursorError,
      );
    await assert.rejects(audit.query({}, { limit: 5, next: page.next!, ...range }), InvalidCursorError);
    await assert.rejects(
      audit.query(
        {},
        {
          limit: 5,
          next: encodeCursor({ i: 'byDay', d: '2026-01-02', k: { id: 'x', day: '2026-01-01', at: 'y' } }),
          ...range,
        },
      ),
      InvalidCursorError,
    );
  });

  it('answers the API use cases from the indexes: 400 INVALID_CURSOR, the subject report, the chart from counters', async () => {
    const deps: AuditQueryDeps = {
      audit,
      keys,
      stats,
      ledger: { readStudentFile: async () => ({ student: undefined, entries: [], enrolments: [] }) } as never,
      names: {} as never,
    };
    const ctx = { p: { sub: 'auditor-1', role: 'auditor' as const }, requestId: 'req-q1', now: new Date() };
    await assert.rejects(
      findEvents(deps, ctx, { next: 'garbage' }),
      (e: unknown) => e instanceof RequestRefusedError && e.code === 'INVALID_CURSOR',
    );

    // The seeded people are pseudonyms; a report for a real number reads only its partition.
    const person = nationalNumber('020304', 101, true);
    const report = await cost(() => subjectReport(deps, { ...ctx, requestId: 'req-q2' }, person));
    assert.equal(report.scans, 0);
    assert.ok(report.items <= 4, `subject report read ${report.items}`);

    // Counters: each checkpoint counted once, however often it is offered.
    const counts = countByDay(records);
    await stats.add(1, end.toISOString(), counts);
    await stats.add(1, end.toISOString(), counts);
    const chart = await cost(() =>
      auditChart(deps, { ...ctx, requestId: 'req-q3', now: end }, { days: '7' }),
    );
    assert.ok(chart.items <= 8, `chart read ${chart.items}`);
    const total = chart.value.counts.reduce((n, c) => n + c.allowed + c.denied, 0);
    assert.equal(total, N);
    assert.equal(
      chart.value.counts.reduce((n, c) => n + c.denied, 0),
      records.filter((r) => r.outcome.startsWith('DENIED')).length,
    );

    // The log's total, on the page, from the cumulative counters: the sealed records, not the
    // auditor queries written since (not sealed yet), in a few reads.
    const listed = await cost(() => listEvents(deps, { ...ctx, requestId: 'req-q4' }, { limit: '5' }));
    assert.equal(listed.value.items.length, 5);
    assert.equal(listed.value.total, N);
    assert.equal(listed.value.countedUpTo, end.toISOString());
    const ugent = await listEvents(
      deps,
      { ...ctx, requestId: 'req-q5' },
      { institution: 'UGENT', limit: '5' },
    );
    assert.equal(ugent.total, records.filter((r) => r.actor.institution === 'UGENT').length);
    const bySubject = await listEvents(
      deps,
      { ...ctx, requestId: 'req-q6' },
      { subject: nationalNumber('020304', 101, true) },
    );
    assert.equal(bySubject.total, undefined, 'a subject filter is not counted');
  });

  it('never stores what an auditor typed in clear: a national number typed as an actor is pseudonymised', async () => {
    const deps: AuditQueryDeps = { audit, keys, stats, ledger: {} as never, names: {} as never };
    const typed = nationalNumber('850730', 33);
    const ctx = {
      p: { sub: 'auditor-1', role: 'auditor' as const },
      requestId: 'req-typed',
      now: new Date(),
    };
    await findEvents(deps, ctx, { actor: typed, institution: 'free text <script>', action: 'credit.read' });
    const stored = (await audit.list({ day: dayOf(ctx.now.toISOString()) })).find(
      (r) => r.id === 'req-typed:query',
    )!;
    const text = JSON.stringify(stored);
    assert.equal(text.includes(typed), false);
    assert.equal(text.includes(typed.slice(0, 6)), false, 'not even partly');
    assert.equal(text.includes('<script>'), false);
    assert.match(String(stored.details?.actor), /^pseudonym:[0-9a-f]{64}$/);
    assert.equal(stored.details?.actor, `pseudonym:${await keys.mac('pseudonym', typed)}`);
    assert.match(String(stored.details?.institution), /^hmac:[0-9a-f]{64}$/);
    assert.equal(stored.details?.action, 'credit.read');
    // A record whose details do not fit the action's schema is refused by the writer.
    await assert.rejects(
      audit.append({ ...stored, id: 'req-typed:raw', details: { actor: typed } }),
      /refused/,
    );
  });

  it('lists a clerk’s uploads a page at a time and the held ones from the sparse index only', async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    const base = (i: number, status: IntakeStatus['status']): IntakeStatus => ({
      intakeId: `in-${String(i).padStart(4, '0')}`,
      uploader: 'griffie-1',
      key: `incoming/griffie-1/in-${i}.pdf`,
      receivedAt: at(i),
      updatedAt: at(i),
      status,
    });
    for (let i = 0; i < 300; i++)
      await statuses.put(base(i, i % 100 === 7 ? 'HELD' : i === 299 ? 'RECEIVED' : 'APPLIED'));
    const held = await cost(() => statuses.page({ state: 'HELD' }, { limit: 50 }));
    assert.deepEqual(
      held.value.items.map((s) => s.intakeId),
      ['in-0007', 'in-0107', 'in-0207'],
    );
    assert.ok(held.items <= 3, `held list read ${held.items}`);
    assert.equal('openState' in held.value.items[0]!, false);
    // Finished: it leaves the sparse index.
    await statuses.put({ ...base(107, 'APPLIED') });
    assert.equal((await statuses.page({ state: 'HELD' }, { limit: 50 })).items.length, 2);

    const first = await cost(() => statuses.page({ uploader: 'griffie-1' }, { limit: 20 }));
    assert.equal(first.value.items[0]!.intakeId, 'in-0299', 'newest first');
    assert.ok(first.items <= 21);
    const second = await cost(() =>
      statuses.page({ uploader: 'griffie-1' }, { limit: 20, next: first.value.next! }),
    );
    assert.equal(second.value.items[0]!.intakeId, 'in-0279');
    assert.ok(second.items <= 21);
    await assert.rejects(
      statuses.page({ uploader: 'griffie-2' }, { limit: 20, next: first.value.next! }),
      InvalidCursorError,
    );
  });

  it('keeps a status bound to its object in the open index while it is still RECEIVED (the stalled check and the resume see it)', async () => {
    const received: IntakeStatus = {
      intakeId: 'bound-0001',
      uploader: 'griffie-9',
      key: 'incoming/griffie-9/bound-0001.pdf',
      receivedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      status: 'RECEIVED',
    };
    await statuses.received(received);
    // The intake binds it to the bytes, then crashes before its final write.
    assert.equal(
      await statuses.bind({ ...received, sha256: 'ab'.repeat(32), boundAt: new Date().toISOString() }),
      true,
    );
    const open = await statuses.page({ state: 'RECEIVED' }, { limit: 100 });
    assert.ok(
      open.items.some((s) => s.intakeId === 'bound-0001'),
      'a bound RECEIVED status is still open',
    );
  });
});
