/**
 * The arithmetic of the audit log's totals (shared/domain/audit-stats.ts): the counting steps of a
 * checkpoint go day by day in order (a checkpoint spanning midnight adds its first day first), each
 * step after every step of an earlier checkpoint; only whole UTC days have a total. The adapter's
 * behaviour on random logs is in test/integration/audit-totals.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AuditStatsStore } from '../../shared/ports/index.js';
import {
  ALL_SCOPE,
  countByDay,
  countPosition,
  cumulativeSteps,
  nextDay,
  periodTotal,
  wholeDays,
} from '../../shared/domain/audit-stats.js';

const rec = (at: string, institution?: string, outcome = 'ALLOWED') => ({
  at,
  outcome,
  actor: institution ? { institution } : {},
});

describe('cumulative counting steps', () => {
  it('counts a checkpoint spanning midnight day by day, overall and per institution', () => {
    const counts = countByDay([
      rec('2026-12-04T23:59:58.000Z', 'UGENT'),
      rec('2026-12-04T23:59:59.000Z', 'KUL', 'DENIED:NOT_VISIBLE'),
      rec('2026-12-05T00:00:01.000Z', 'UGENT'),
      rec('2026-12-05T00:00:02.000Z'),
    ]);
    const steps = cumulativeSteps(42, '2026-12-05T00:00:30.000Z', counts);
    assert.deepEqual(
      steps.map((s) => [s.scope, s.day, s.count, s.countedUpTo]),
      [
        [ALL_SCOPE, '2026-12-04', 2, '2026-12-04T23:59:59.999Z'],
        ['KUL', '2026-12-04', 1, '2026-12-04T23:59:59.999Z'],
        ['UGENT', '2026-12-04', 1, '2026-12-04T23:59:59.999Z'],
        [ALL_SCOPE, '2026-12-05', 2, '2026-12-05T00:00:30.000Z'],
        ['-', '2026-12-05', 1, '2026-12-05T00:00:30.000Z'],
        ['UGENT', '2026-12-05', 1, '2026-12-05T00:00:30.000Z'],
      ],
    );
  });

  it('orders every step of a checkpoint after every step of an earlier one (positions compare as strings)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e11 }),
        fc.integer({ min: 1, max: 1e11 }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (a, b, da, db) => {
          const [x, y] = [
            countPosition(a, da.toISOString().slice(0, 10)),
            countPosition(b, db.toISOString().slice(0, 10)),
          ];
          if (a !== b) assert.equal(x < y, a < b);
          else assert.equal(x < y, da.toISOString().slice(0, 10) < db.toISOString().slice(0, 10));
        },
      ),
      { seed: 20261204 },
    );
  });
});

describe('period totals', () => {
  it('counts whole UTC days only', () => {
    assert.deepEqual(wholeDays(undefined, undefined), {});
    assert.deepEqual(wholeDays('2026-12-01T00:00:00.000Z', '2026-12-03T23:59:59.999Z'), {
      fromDay: '2026-12-01',
      toDay: '2026-12-03',
    });
    assert.equal(wholeDays('2026-12-01T00:00:00.001Z', undefined), undefined);
    assert.equal(wholeDays(undefined, '2026-12-03T00:00:00.000Z'), undefined, 'midnight is part of a day');
    assert.equal(wholeDays('2026-12-04T00:00:00.000Z', '2026-12-03T23:59:59.999Z'), undefined);
  });

  it('subtracts the running totals at the two ends', () => {
    // Days with 3, (none), 5, 2 records: cumBefore 0, 3, 8; running 10.
    assert.equal(periodTotal(10, 0, undefined), 10);
    assert.equal(periodTotal(10, 3, 8), 5, 'from the empty day to the day of 5');
    assert.equal(periodTotal(10, undefined, undefined), 0, 'a period after the last day');
    assert.equal(nextDay('2028-02-28'), '2028-02-29');
    assert.equal(nextDay('2026-12-31'), '2027-01-01');
  });
});

describe('the total as people read it', () => {
  it('formats the count per language in the CLI and the console, and says "—" when there is none', async () => {
    const { totalLine } = await import('../../shared/cli/commands.js');
    const { makeI18n } = await import('../../web/src/i18n.js');
    const page = { total: 12345, countedUpTo: '2026-12-04T14:02:00.000Z' };
    assert.equal(
      totalLine(page, 'nl'),
      'Totaal: 12.345 records, geteld tot 2026-12-04T14:02:00.000Z (nieuwere records nog niet)',
    );
    assert.match(totalLine(page, 'en'), /^Total: 12,345 records, counted up to 2026-12-04T14:02:00\.000Z/);
    assert.match(totalLine({}, 'nl'), /^Totaal: — /);
    assert.match(
      totalLine({ total: 3 }, 'en'),
      /^Total: — /,
      'no count without the instant it is counted up to',
    );
    const nl = makeI18n('nl', () => undefined);
    const en = makeI18n('en', () => undefined);
    assert.equal(nl.num(12345), '12.345');
    assert.equal(en.num(12345), '12,345');
    assert.equal(
      nl.t('logTotal', { scope: '', period: '', approx: '≈ ', n: nl.num(1), c: 1 }),
      'Totaal: ≈ 1 record',
    );
    assert.equal(
      en.t('logTotal', { scope: ' for KUL', period: '', approx: '', n: en.num(2345), c: 2345 }),
      'Total for KUL: 2,345 records',
    );
  });
});

describe('a day index that has not caught up yet', () => {
  it('gives no total rather than a wrong one while the newest day item is not found, then the right one', async () => {
    const { eventsTotal } = await import('../../shared/use-cases/audit-queries.js');
    // 10 records counted: 7 on 1 December, 3 on 4 December, whose item the index does not show yet.
    const visible = new Map([['2026-12-01', 0]]);
    const stats = {
      cumulative: async () => ({
        running: 10,
        countedUpTo: '2026-12-04T10:00:00.000Z',
        lastDay: '2026-12-04',
      }),
      cumulativeBefore: async (_scope: string, day: string) =>
        [...visible].sort().find(([d]) => d >= day)?.[1],
    } as unknown as AuditStatsStore;
    const from = { from: '2026-12-04T00:00:00.000Z' };
    const upTo = { to: '2026-12-02T23:59:59.999Z' };
    assert.equal(await eventsTotal({ stats }, from), undefined, 'not 0');
    assert.equal(await eventsTotal({ stats }, upTo), undefined, 'not 10');
    assert.equal((await eventsTotal({ stats }, {}))?.total, 10);
    visible.set('2026-12-04', 7);
    assert.equal((await eventsTotal({ stats }, from))?.total, 3);
    assert.equal((await eventsTotal({ stats }, upTo))?.total, 7);
  });
});
