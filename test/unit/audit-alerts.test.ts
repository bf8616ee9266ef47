/**
 * Alerts for auditors (issue 16), pure: what the sealer counts per institution and UTC day from the
 * sealed records (self-declared enrolments, reads of students visible only by such a declaration,
 * denied attempts), the thresholds from configuration, and which counters raise an alert.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  alertsFrom,
  alertThresholdsFrom,
  crossings,
  DEFAULT_ALERT_THRESHOLDS,
} from '../../shared/domain/audit-alerts.js';
import { countByDay } from '../../shared/domain/audit-stats.js';
import { detailsProblem } from '../../shared/domain/audit-details.js';

const rec = (
  i: number,
  institution: string,
  action: string,
  outcome = 'ALLOWED',
  details?: Record<string, unknown>,
  day = '2026-12-04',
) => ({
  at: `${day}T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
  actor: { sub: `u-${institution}`, role: 'institution', institution },
  action,
  outcome,
  ...(details ? { details } : {}),
});

describe('counting', () => {
  test('counts self-declared enrolments, reads visible only by declaration and denied attempts per institution and day', () => {
    const records = [
      ...Array.from({ length: 3 }, (_, i) =>
        rec(i, 'KUL', 'enrolment.declare', 'ALLOWED', { academicYear: '2026-2027' }),
      ),
      rec(3, 'KUL', 'credit.read', 'ALLOWED', { visibility: 'declared' }),
      rec(4, 'KUL', 'credit.read', 'ALLOWED', { visibility: 'dho' }),
      rec(5, 'KUL', 'credit.read', 'ALLOWED', { visibility: 'ruling' }),
      rec(6, 'KUL', 'credit.read', 'DENIED:NOT_VISIBLE'),
      rec(7, 'UGENT', 'credit.read', 'ALLOWED', { visibility: 'declared' }, '2026-12-05'),
      rec(8, 'UGENT', 'credit.read'), // counted before the detail existed: not non-DHO
    ];
    assert.deepEqual(countByDay(records), [
      { day: '2026-12-04', institution: 'KUL', allowed: 6, denied: 1, declared: 3, nonDho: 1 },
      { day: '2026-12-04', institution: 'UGENT', allowed: 1, denied: 0, declared: 0, nonDho: 0 },
      { day: '2026-12-05', institution: 'UGENT', allowed: 1, denied: 0, declared: 0, nonDho: 1 },
    ]);
  });

  test('the credit read’s visibility is a fixed code in its audit details (anything else is refused)', () => {
    assert.equal(detailsProblem('credit.read', { visibility: 'declared' }), undefined);
    assert.equal(detailsProblem('credit.read', {}), undefined);
    assert.ok(detailsProblem('credit.read', { visibility: '85073003328' }));
    assert.ok(detailsProblem('credit.read', { visibility: 'dho', name: 'Peeters' }));
  });
});

describe('thresholds', () => {
  test('defaults, overridden one by one from the environment; a bad value names its variable', () => {
    assert.deepEqual(alertThresholdsFrom({}), DEFAULT_ALERT_THRESHOLDS);
    assert.deepEqual(alertThresholdsFrom({ ALERT_MAX_SELF_DECLARED_ENROLMENTS: '5' }), {
      ...DEFAULT_ALERT_THRESHOLDS,
      'self-declared-enrolments': 5,
    });
    assert.throws(
      () => alertThresholdsFrom({ ALERT_MAX_DENIED_ATTEMPTS: 'ten' }),
      /ALERT_MAX_DENIED_ATTEMPTS/,
    );
    assert.throws(() => alertThresholdsFrom({ ALERT_MAX_NON_DHO_READS: '-1' }), /ALERT_MAX_NON_DHO_READS/);
  });

  const t = { 'self-declared-enrolments': 20, 'non-dho-reads': 50, 'denied-attempts': 10 };
  test('an alert when a count is above its threshold, not at it; actors without an institution never', () => {
    const at = (declared: number, nonDho: number, denied: number, institution = 'KUL') => ({
      day: '2026-12-04',
      institution,
      allowed: 0,
      denied,
      declared,
      nonDho,
    });
    assert.deepEqual(alertsFrom([at(20, 50, 10)], t), []);
    assert.deepEqual(alertsFrom([at(21, 51, 11), at(0, 0, 99, '-')], t), [
      { day: '2026-12-04', institution: 'KUL', kind: 'self-declared-enrolments', count: 21, threshold: 20 },
      { day: '2026-12-04', institution: 'KUL', kind: 'non-dho-reads', count: 51, threshold: 50 },
      { day: '2026-12-04', institution: 'KUL', kind: 'denied-attempts', count: 11, threshold: 10 },
    ]);
    // Counters from before the new counts existed read as zero.
    assert.deepEqual(alertsFrom([{ day: '2026-12-04', institution: 'KUL', allowed: 5, denied: 0 }], t), []);
  });

  test('a crossing is reported once: by the addition that crosses, not by later ones', () => {
    const c = (declared: number) => ({
      day: '2026-12-04',
      institution: 'KUL',
      allowed: declared,
      denied: 0,
      declared,
    });
    assert.deepEqual(
      crossings([c(19)], [c(21)], t).map((a) => [a.kind, a.count]),
      [['self-declared-enrolments', 21]],
    );
    assert.deepEqual(crossings([c(21)], [c(25)], t), []);
    assert.deepEqual(crossings([], [c(20)], t), []);
    assert.equal(crossings([], [c(21)], t).length, 1);
  });
});
