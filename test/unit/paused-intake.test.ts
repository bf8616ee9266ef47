/**
 * The intake honours the pause switch itself: while paused it reads no object and decides
 * nothing, records the upload as RECEIVED with the pause marker, and resuming re-enqueues every
 * open RECEIVED status, page by page. The switch's "running" answer is cached briefly, "paused" never.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cachedPauseSwitch } from '../../shared/composition/compose-intake.js';
import type { IntakeStatus, IntakeStatusStore } from '../../shared/ports/index.js';
import { requeueReceived } from '../../shared/use-cases/admin.js';
import { publicStatus } from '../../shared/use-cases/clerk.js';
import { stalledReport } from '../../shared/use-cases/ops-report.js';
import { processExtract, type IntakeDeps } from '../../shared/use-cases/process-extract.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const KEY = 'incoming/griffie-a/0mabc-1234.pdf';

/** Statuses in memory: get, put, received (only when absent), the open-state page. */
function memoryStatuses(
  initial: IntakeStatus[] = [],
): IntakeStatusStore & { all: Map<string, IntakeStatus> } {
  const all = new Map(initial.map((s) => [s.intakeId, s]));
  return {
    all,
    get: async (id) => all.get(id),
    put: async (s) => void all.set(s.intakeId, s),
    received: async (s) => void (all.has(s.intakeId) ? undefined : all.set(s.intakeId, s)),
    bind: async () => assert.fail('nothing is bound while paused'),
    list: async () => [...all.values()],
    page: async (selection, page) => {
      const items = [...all.values()].filter((s) => 'state' in selection && s.status === selection.state);
      const start = Number(page.next ?? 0);
      const slice = items.slice(start, start + page.limit);
      const next = start + page.limit < items.length ? String(start + page.limit) : undefined;
      return { items: slice, ...(next ? { next } : {}) };
    },
  };
}

/** A port any use of which fails the test: a paused intake must not touch it. */
const untouchable = <T>(name: string): T =>
  new Proxy({}, { get: (_t, p) => () => assert.fail(`${name}.${String(p)} used while paused`) }) as T;

function pausedDeps(statuses: IntakeStatusStore, paused: boolean): IntakeDeps {
  return {
    statuses,
    control: { isPaused: async () => paused },
    extracts: untouchable('extracts'),
    ledger: untouchable('ledger'),
    audit: untouchable('audit'),
    keys: untouchable('keys'),
    names: untouchable('names'),
    pdf: untouchable('pdf'),
    now: () => NOW,
  };
}

const awaiting: IntakeStatus = {
  intakeId: '0mabc-1234',
  uploader: 'griffie-a',
  key: KEY,
  receivedAt: '2026-03-02T09:00:00.000Z',
  updatedAt: '2026-03-02T09:00:00.000Z',
  status: 'AWAITING_UPLOAD',
};

describe('the intake while paused', () => {
  test('reads nothing, and the upload is RECEIVED with the pause marker: waiting for the clerk, stalled for the ops check', async () => {
    const statuses = memoryStatuses([awaiting]);
    const result = await processExtract({ key: KEY, requestId: 'm1' }, pausedDeps(statuses, true));
    assert.deepEqual(result, { intakeId: awaiting.intakeId, status: 'PAUSED' });
    const s = statuses.all.get(awaiting.intakeId)!;
    assert.equal(s.status, 'RECEIVED');
    assert.equal(s.pausedAt, NOW.toISOString());
    assert.equal(s.receivedAt, NOW.toISOString(), 'received when the object arrived');
    assert.equal(s.boundAt, undefined);
    assert.equal(publicStatus(s, true).paused, true);
    const dayLater = new Date(NOW.getTime() + 25 * 3_600_000);
    assert.deepEqual(stalledReport([s], dayLater).stalledIntakeIds, [awaiting.intakeId]);
  });

  test('an object no upload accounts for gets a waiting status of its own, still UNKNOWN_UPLOAD', async () => {
    const statuses = memoryStatuses();
    await processExtract({ key: KEY, requestId: 'm1' }, pausedDeps(statuses, true));
    const s = statuses.all.get(awaiting.intakeId)!;
    assert.equal(s.status, 'RECEIVED');
    assert.equal(s.code, 'UNKNOWN_UPLOAD');
    assert.ok(s.pausedAt);
  });

  test('a finished intake is left as it is (a redelivery while paused)', async () => {
    const applied: IntakeStatus = { ...awaiting, status: 'APPLIED', boundAt: '2026-03-01T00:00:00.000Z' };
    const statuses = memoryStatuses([applied]);
    await processExtract({ key: KEY, requestId: 'm1' }, pausedDeps(statuses, true));
    assert.deepEqual(statuses.all.get(awaiting.intakeId), applied);
  });

  test('another version under a used key waits as an intake of its own (-2), once; the same version again adds nothing', async () => {
    const applied: IntakeStatus = {
      ...awaiting,
      status: 'APPLIED',
      boundAt: '2026-03-01T00:00:00.000Z',
      versionId: 'v1',
    };
    const statuses = memoryStatuses([applied]);
    const deps = pausedDeps(statuses, true);
    await processExtract({ key: KEY, versionId: 'v1', requestId: 'm0' }, deps);
    assert.equal(statuses.all.size, 1, 'a redelivery of the decided version');
    await processExtract({ key: KEY, versionId: 'v2', requestId: 'm1' }, deps);
    await processExtract({ key: KEY, versionId: 'v2', requestId: 'm2' }, deps);
    assert.equal(statuses.all.size, 2);
    const later = statuses.all.get(`${awaiting.intakeId}-2`)!;
    assert.equal(later.status, 'RECEIVED');
    assert.equal(later.versionId, 'v2');
    assert.equal(later.parentIntakeId, awaiting.intakeId);
    assert.equal(later.uploader, awaiting.uploader);
    assert.ok(later.pausedAt);
  });

  test('running, the same delivery is processed (the object is read)', async () => {
    const statuses = memoryStatuses([awaiting]);
    await assert.rejects(
      processExtract({ key: KEY, requestId: 'm1' }, pausedDeps(statuses, false)),
      /extracts\.get used while paused/,
    );
  });
});

describe('resume', () => {
  test('re-enqueues every open RECEIVED status over several pages, and nothing else', async () => {
    const received = Array.from({ length: 230 }, (_, i) => ({
      ...awaiting,
      intakeId: `r${i}`,
      key: `incoming/griffie-a/r${i}.pdf`,
      status: 'RECEIVED' as const,
      ...(i === 0 ? { versionId: 'v1' } : {}),
    }));
    const statuses = memoryStatuses([
      ...received,
      { ...awaiting, intakeId: 'held', status: 'HELD' },
      awaiting,
    ]);
    const sent: [string, string | undefined][] = [];
    const count = await requeueReceived({
      statuses,
      queue: { enqueue: async (key, versionId) => void sent.push([key, versionId]) },
    });
    assert.equal(count, 230);
    assert.deepEqual(
      sent,
      received.map((s) => [s.key, s.versionId]),
    );
  });
});

describe('the intake reads the switch', () => {
  test('trusts "running" for a few seconds, never "paused"', async () => {
    let reads = 0;
    let paused = false;
    let t = 0;
    const sw = cachedPauseSwitch(
      async () => (reads++, paused),
      3000,
      () => t,
    );
    assert.equal(await sw.isPaused(), false);
    paused = true;
    t = 2999;
    assert.equal(await sw.isPaused(), false, 'cached running');
    t = 3000;
    assert.equal(await sw.isPaused(), true);
    paused = false;
    t = 3001;
    assert.equal(await sw.isPaused(), false, 'a resume is seen at once');
    assert.equal(reads, 3);
  });
});
