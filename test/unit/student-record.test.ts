/**
 * A student's own record (`GET /v1/me`, shared/use-cases/student.ts) and the student principal
 * (shared/auth/verify.ts): the subject is the token's number, never input; the read is audited
 * first under the pseudonym; the accesses are the subject index's, newest first, paged.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { AuthError, principalFromClaims } from '../../shared/auth/verify.js';
import { detailsProblem } from '../../shared/domain/audit-details.js';
import type { Principal } from '../../shared/domain/principal.js';
import type { LedgerEntry } from '../../shared/domain/types.js';
import type { AuditFilter, AuditPageRequest, AuditRecord, StudentFile } from '../../shared/ports/index.js';
import { AuditUnavailableError } from '../../shared/use-cases/errors.js';
import { readOwnRecord, type StudentDeps } from '../../shared/use-cases/student.js';

const ANNA = '85073003328';
const OTHER = '02030410186';
const mac = (m: string) => createHmac('sha256', 'test').update(m).digest('hex');

function entry(pseudonym: string, rulingNumber: string): LedgerEntry {
  return {
    pseudonym,
    rulingNumber,
    docket: '2024/0001',
    rulingDate: '2024-05-01',
    lineNumber: 1,
    extractSha256: 'a'.repeat(64),
    intakeId: `0intake${rulingNumber}`,
    appliedAt: '2024-05-02T10:00:00.000Z',
    academicYear: '2023-2024',
    institution: 'UGENT',
    programme: 'Bachelor',
    requested: 27,
    returned: 27,
  } as LedgerEntry;
}

function fakes(opts: { failAudit?: boolean } = {}) {
  const records: AuditRecord[] = [];
  const access = (n: number, subject: string, institution: string, purpose: string): AuditRecord => ({
    id: `r${n}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    actor: { id: `staff-${n}`, role: 'institution', institution },
    action: 'credit.read',
    subject: mac(subject),
    purpose,
    outcome: 'ALLOWED',
    requestId: `q${n}`,
  });
  records.push(
    access(1, ANNA, 'UGENT', 'enrolment'),
    access(2, OTHER, 'KULEUVEN', 'appeal'),
    access(3, ANNA, 'KULEUVEN', 'study-progress-decision'),
    access(4, ANNA, 'UGENT', 'student-guidance'),
  );
  const files: Record<string, StudentFile> = {
    [mac(ANNA)]: {
      student: { pseudonym: mac(ANNA), balance: 187, openingBalance: 140, appliedRulings: ['9412'] },
      entries: [entry(mac(ANNA), '9412')],
      enrolments: [],
    },
    [mac(OTHER)]: {
      student: { pseudonym: mac(OTHER), balance: 60, openingBalance: 60, appliedRulings: ['1'] },
      entries: [entry(mac(OTHER), '1')],
      enrolments: [],
    },
  };
  const queries: AuditFilter[] = [];
  const deps = {
    keys: { mac: async (_p: string, m: string) => mac(m) },
    stats: { watermark: async () => undefined, add: async () => undefined, days: async () => [] },
    ledger: {
      readStudentFile: async (p: string) => files[p] ?? { student: undefined, entries: [], enrolments: [] },
    },
    audit: {
      append: async (r: AuditRecord) => {
        if (opts.failAudit) throw new Error('down');
        records.push(r);
      },
      list: async () => records,
      query: async (filter: AuditFilter, page: AuditPageRequest) => {
        queries.push(filter);
        // Keyed like the store: newest first by (at, id); the cursor is the last key handed out.
        const key = (r: AuditRecord) => `${r.at}|${r.id}`;
        const all = records
          .filter((r) => r.subject === filter.subject)
          .sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0))
          .filter((r) => !page.next || key(r) < page.next);
        const items = all.slice(0, page.limit);
        return { items, ...(all.length > page.limit ? { next: key(items.at(-1)!) } : {}) };
      },
    },
  } as unknown as StudentDeps;
  return { deps, records, queries };
}

const anna: Principal = { sub: 'demo-student', role: 'student', nationalNumber: ANNA };
const ctx = (p: Principal = anna) => ({
  p,
  requestId: 'req-1',
  now: new Date('2026-01-02T00:00:00.000Z'),
});

describe("a student's own record", () => {
  test('balance, rulings and exactly their own accesses with purposes, newest first', async () => {
    const { deps, queries } = fakes();
    const me = await readOwnRecord(deps, ctx(), {});
    assert.equal(me.nationalNumber, ANNA);
    assert.equal(me.balance, 187);
    assert.deepEqual(
      me.rulings.map((r) => r.rulingNumber),
      ['9412'],
    );
    // The read itself (newest), then the three institution reads of Anna; never OTHER's.
    assert.deepEqual(
      me.accesses.map((a) => [a.action, a.institution, a.purpose]),
      [
        ['student.read-own', undefined, 'data-subject-access'],
        ['credit.read', 'UGENT', 'student-guidance'],
        ['credit.read', 'KULEUVEN', 'study-progress-decision'],
        ['credit.read', 'UGENT', 'enrolment'],
      ],
    );
    assert.ok(!JSON.stringify(me).includes('staff-'), 'no staff ids');
    assert.ok(!JSON.stringify(me).includes(mac(ANNA)), 'no pseudonym');
    assert.deepEqual(queries, [{ subject: mac(ANNA) }]);
  });

  test('the subject is the token’s: a subject or nationalNumber in the query is ignored', async () => {
    const { deps, queries } = fakes();
    const me = await readOwnRecord(deps, ctx(), { subject: OTHER, nationalNumber: OTHER });
    assert.equal(me.nationalNumber, ANNA);
    assert.equal(me.balance, 187);
    assert.ok(me.accesses.every((a) => a.purpose !== 'appeal'));
    assert.deepEqual(queries, [{ subject: mac(ANNA) }]);
  });

  test('the read is audited first, under the pseudonym, with details that fit their schema', async () => {
    const { deps, records } = fakes();
    await readOwnRecord(deps, ctx(), { limit: '2' });
    const own = records.find((r) => r.action === 'student.read-own')!;
    assert.equal(own.subject, mac(ANNA));
    assert.equal(own.actor.role, 'student');
    assert.equal(detailsProblem(own.action, own.details), undefined);
    assert.ok(!JSON.stringify(own).includes(ANNA), 'never the number');
    const failing = fakes({ failAudit: true });
    await assert.rejects(readOwnRecord(failing.deps, ctx(), {}), AuditUnavailableError);
    assert.deepEqual(failing.queries, [], 'nothing read when the read cannot be audited');
  });

  test('pages through the accesses with the cursor; a bad limit is refused', async () => {
    const { deps } = fakes();
    const first = await readOwnRecord(deps, ctx(), { limit: '2' });
    assert.equal(first.accesses.length, 2);
    assert.ok(first.next);
    const second = await readOwnRecord(
      deps,
      { ...ctx(), requestId: 'req-2' },
      { limit: '2', next: first.next },
    );
    assert.ok(second.accesses.length >= 2);
    assert.ok(
      second.accesses.every(
        (a) => !first.accesses.some((b) => b.at === a.at && b.action === a.action && b.purpose === a.purpose),
      ),
    );
    await assert.rejects(readOwnRecord(deps, ctx(), { limit: '0' }), /INVALID_LIMIT/);
    await assert.rejects(readOwnRecord(deps, ctx(), { limit: '201' }), /INVALID_LIMIT/);
  });

  test('only a student principal with a number has a record', async () => {
    const { deps } = fakes();
    await assert.rejects(readOwnRecord(deps, ctx({ sub: 'x', role: 'auditor' }), {}), /NOT_A_STUDENT/);
    await assert.rejects(readOwnRecord(deps, ctx({ sub: 'x', role: 'student' }), {}), /NOT_A_STUDENT/);
  });
});

describe('the student principal', () => {
  test('takes the number from the configured claim, separators removed', () => {
    assert.deepEqual(principalFromClaims({ sub: 's', role: 'student', national_number: '85.07.30-033.28' }), {
      sub: 's',
      role: 'student',
      nationalNumber: ANNA,
    });
    assert.equal(
      principalFromClaims({ sub: 's', role: 'student', rrn: ANNA }, { studentNumberClaim: 'rrn' })
        .nationalNumber,
      ANNA,
    );
  });

  test('refuses a student token without a valid number with 403 and a message that does not name it', () => {
    for (const claims of [
      { sub: 's', role: 'student' },
      { sub: 's', role: 'student', national_number: '85073003329' },
      { sub: 's', role: 'student', national_number: 85073003328 },
      { sub: 's', role: 'student', rrn: ANNA }, // not the configured claim
    ]) {
      assert.throws(
        () => principalFromClaims(claims),
        (e: unknown) =>
          e instanceof AuthError &&
          e.code === 'FORBIDDEN' &&
          /national_number/.test(e.publicMessage?.en ?? '') &&
          !JSON.stringify([e.message, e.publicMessage]).includes('8507300332'),
      );
    }
  });
});
