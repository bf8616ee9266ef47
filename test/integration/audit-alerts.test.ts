/**
 * Alerts for auditors (issue 16) on the local stack: a burst of self-declared enrolments by one
 * institution, once sealed and counted by the sealer, is listed by `GET /v1/audit/alerts` for that
 * institution and no other; reads of students visible only by such a declaration are counted as
 * non-DHO reads, reads of students enrolled through DHO are not. Thresholds come from the
 * environment (as on AWS, where the CDK context sets them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTES } from '../../shared/config/routes.js';
import { nationalNumber, withStack } from './helpers.js';

process.env.ALERT_MAX_SELF_DECLARED_ENROLMENTS = '3';
process.env.ALERT_MAX_NON_DHO_READS = '1';

type Alert = { day: string; institution: string; kind: string; count: number; threshold: number };

describe('alerts for auditors on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  const tokens = new Map<string, string>();
  const year = (() => {
    const now = new Date();
    const y = now.getUTCMonth() >= 8 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
    return `${y}-${y + 1}`;
  })();
  const students = Array.from({ length: 5 }, (_, i) => nationalNumber('900101', 201 + 2 * i));

  async function call(who: string, method: string, path: string, body?: { csv: string }) {
    if (!tokens.has(who)) {
      const [role, institution] = who.split(':') as ['auditor' | 'operator' | 'institution', string?];
      tokens.set(who, await stack.idp.issueToken({ role, ...(institution ? { institution } : {}) }));
    }
    const res = await fetch(`${stack.state.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens.get(who)!}`,
        accept: 'application/json',
        ...(body ? { 'content-type': 'text/csv' } : {}),
      },
      ...(body ? { body: body.csv } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    stack = await withStack({ sealEveryMs: 0 });
  });
  after(async () => {
    await stack?.dispose();
  });

  it('lists the institution that declared more enrolments than the threshold, and not the others', async () => {
    assert.ok(ROUTES.some((r) => r.id === 'auditAlerts' && r.path === '/v1/audit/alerts'));
    const balances = [
      'nationalNumber,surname,givenNames,openingBalance',
      ...students.map((n) => `${n},Test,Tess,140`),
    ];
    assert.equal(
      (await call('operator', 'POST', '/v1/admin/imports/balances', { csv: balances.join('\n') })).status,
      200,
    );
    // UGENT's students come from DHO; KUL declares every one of them itself.
    const dho = ['nationalNumber,institution,academicYear', ...students.map((n) => `${n},UGENT,${year}`)];
    assert.equal(
      (await call('operator', 'POST', '/v1/admin/imports/enrolments', { csv: dho.join('\n') })).status,
      200,
    );
    for (const n of students) {
      const r = await call('institution:KUL', 'PUT', `/v1/students/${n}/enrolments/${year}`);
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    // UGENT declares one (under its threshold); both institutions read two students.
    assert.equal(
      (await call('institution:UGENT', 'PUT', `/v1/students/${students[0]}/enrolments/${year}`)).status,
      200,
    );
    for (const who of ['institution:KUL', 'institution:UGENT'])
      for (const n of students.slice(0, 2))
        assert.equal(
          (await call(who, 'GET', `/v1/students/${n}/learning-credit?purpose=enrolment`)).status,
          200,
        );

    // Not sealed yet: nothing counted, nothing listed.
    const early = await call('auditor', 'GET', '/v1/audit/alerts?days=7');
    assert.equal(early.status, 200);
    assert.deepEqual(early.json.alerts, []);

    await new Promise((r) => setTimeout(r, 5200)); // the sealer leaves records younger than its 5 s grace
    await stack.seal();
    const r = await call('auditor', 'GET', '/v1/audit/alerts?days=7');
    assert.equal(r.status, 200);
    const alerts = r.json.alerts as Alert[];
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(
      alerts.map((a) => [a.day, a.institution, a.kind, a.count, a.threshold]),
      [
        [today, 'KUL', 'self-declared-enrolments', 5, 3],
        [today, 'KUL', 'non-dho-reads', 2, 1],
      ],
    );
    assert.deepEqual(r.json.thresholds, {
      'self-declared-enrolments': 3,
      'non-dho-reads': 1,
      'denied-attempts': 10,
    });

    // Sealing again counts nothing twice.
    await stack.seal();
    assert.deepEqual((await call('auditor', 'GET', '/v1/audit/alerts?days=7')).json.alerts, alerts);
    // Only auditors, only 7, 14 or 31 days.
    assert.equal((await call('institution:KUL', 'GET', '/v1/audit/alerts')).status, 403);
    assert.equal((await call('auditor', 'GET', '/v1/audit/alerts?days=3')).status, 400);
    // The query itself is audited, like the auditor's other reads.
    const events = await call('auditor', 'GET', '/v1/audit/events?action=audit.alerts');
    assert.ok((events.json.items as unknown[]).length >= 3);
  });
});
