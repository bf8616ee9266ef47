/**
 * The /v1 API on the local stack, over real HTTP with tokens from the local OpenID issuer:
 * the authorisation matrix, purpose limitation, fail-closed auditing, imports, held extracts,
 * and every response validated against the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../shared/composition/compose.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import type { HeldItem } from '../../shared/contract/api.js';
import { hiddenTextPdf } from '../fixtures/hidden-text.js';
import { pemVerifier } from '../../shared/domain/audit-chain.js';
import { verifyRecordProof, type RecordProof } from '../../shared/domain/audit-proof.js';
import type { SignedFullVerification } from '../../shared/ports/audit-seal.js';
import { verifyFullResult, type FullVerificationResult } from '../../shared/use-cases/audit-verify.js';
import { ROUTES, type RouteDef } from '../../shared/config/routes.js';
import { ROLES, type Role } from '../../shared/domain/principal.js';
import { openApiDocument } from '../../shared/http/openapi.js';
import type { AuditLog } from '../../shared/ports/index.js';
import { extractText, nationalNumber, pdfFromText, waitForStatus, withStack } from './helpers.js';

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
};
const doc = openApiDocument() as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: doc.components });
let validated = 0;

/** Validates a JSON response against the OpenAPI document (status must be documented). */
function conforms(route: RouteDef, status: number, body: unknown): void {
  const op = doc.paths[route.path]?.[route.method.toLowerCase()];
  assert.ok(op, `route ${route.id} documented`);
  const res = op.responses[String(status)];
  assert.ok(res, `${route.id}: status ${status} documented`);
  const schema = res.content?.['application/json']?.schema;
  if (!schema) return;
  const resolved = JSON.parse(
    JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'),
  ) as object;
  const ok = ajv.validate(resolved, body);
  assert.ok(ok, `${route.id} ${status}: ${ajv.errorsText()} — ${JSON.stringify(body).slice(0, 300)}`);
  validated++;
}

const route = (id: string) => ROUTES.find((r) => r.id === id)! as RouteDef;

describe('the /v1 API on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let base: string;
  const tokens = new Map<string, string>();
  const student = nationalNumber('020304', 101, true); // born 2002
  const stranger = nationalNumber('011111', 55, true);
  let failAudit = false;

  async function token(who: string): Promise<string> {
    if (!tokens.has(who)) {
      const [role, inst] = who.split(':') as [Role, string | undefined];
      // `student:<number>`: a student token for that person (`student` alone: the demo student).
      const subject =
        role === 'student'
          ? { role, ...(inst ? { sub: `student-${inst.slice(-4)}`, nationalNumber: inst } : {}) }
          : { role, ...(inst ? { institution: inst } : {}) };
      tokens.set(who, await stack.idp.issueToken(subject));
    }
    return tokens.get(who)!;
  }

  async function call(
    id: string,
    who: string | undefined,
    init: {
      path?: string;
      query?: string;
      json?: unknown;
      text?: string;
      accept?: string;
      bearer?: string;
    } = {},
  ) {
    const r = route(id);
    const path = init.path ?? r.path;
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
    const bearer = init.bearer ?? (who ? await token(who) : undefined);
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.text !== undefined) {
      headers['content-type'] = 'text/csv';
      body = init.text;
    }
    const res = await fetch(`${base}${path}${init.query ? `?${init.query}` : ''}`, {
      method: r.method,
      headers,
      ...(body ? { body } : {}),
    });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json')
      ? (JSON.parse(text) as unknown)
      : undefined;
    if (json !== undefined) conforms(r, res.status, json);
    return { status: res.status, json: json as Record<string, unknown>, text, headers: res.headers };
  }

  before(async () => {
    stack = await withStack({
      overrideDeps: (d) => d,
    });
    base = stack.state.apiUrl;
    // Make the audit store fail on demand, to prove the API fails closed.
    const deps = await intakeDeps();
    const proto = Object.getPrototypeOf(deps.audit) as AuditLog;
    const original = proto.append;
    proto.append = function (this: AuditLog, ...args: Parameters<AuditLog['append']>) {
      if (failAudit) return Promise.reject(new Error('audit store unavailable'));
      return original.apply(this, args);
    };
    // A student with a ruling applied for UGENT, through the real intake.
    const deps2 = await intakeDeps();
    const key = 'incoming/griffie-api/0api0000001-aaaaaaaaaaaaaaaa.pdf';
    const now = new Date().toISOString();
    await deps2.statuses.received({
      intakeId: '0api0000001-aaaaaaaaaaaaaaaa',
      uploader: 'griffie-api',
      key,
      receivedAt: now,
      updatedAt: now,
      status: 'RECEIVED',
    });
    await deps2.extracts.put(
      key,
      await pdfFromText(
        extractText({
          ruling: '71001',
          rrn: student,
          surname: 'Maes',
          givenNames: 'Lotte',
          lines: [{ year: '2023-2024', inst: 'UGent', prog: 'Bachelor in de biologie', req: 20, ret: 15 }],
        }),
      ),
    );
    assert.equal((await waitForStatus('0api0000001-aaaaaaaaaaaaaaaa')).status, 'APPLIED');
  });

  after(async () => {
    await stack?.dispose();
  });

  it('serves its OpenAPI 3.1 description without a token', async () => {
    const r = await call('getOpenApi', undefined);
    assert.equal(r.status, 200);
    assert.equal(r.json.openapi, '3.1.0');
  });

  it('gives every role exactly the routes it is allowed, and refuses the others with 403', async () => {
    const samplePath: Record<string, string> = {
      getUpload: '/v1/extracts/0nothing000-0000000000000000',
      getReceipt: '/v1/intakes/0nothing000-0000000000000000/receipt',
      getCredit: `/v1/students/${student}/learning-credit`,
      declareEnrolment: `/v1/students/${stranger}/enrolments/2024-2025`,
      subjectReport: `/v1/audit/subjects/${student}`,
      proveAuditRecord: '/v1/audit/records/no-such-record/proof',
      approveHeld: '/v1/admin/held/0nothing000-0000000000000000:approve',
      getHeldPage: '/v1/admin/held/0nothing000-0000000000000000/pages/1',
      rejectHeld: '/v1/admin/held/0nothing000-0000000000000000:reject',
      redriveDeadLetters: '/v1/admin/dead-letters/intake:redrive',
    };
    const bodies: Record<string, Parameters<typeof call>[2]> = {
      batchGetCredit: { json: { purpose: 'enrolment', nationalNumbers: [student] } },
      setIntake: { json: { state: 'running' } },
      rejectHeld: { json: { reason: 'wrong student' } },
      importBalances: { text: 'nationalNumber,surname,givenNames,openingBalance\n' },
      importEnrolments: { text: 'nationalNumber,institution,academicYear\n' },
      getCredit: { query: 'purpose=enrolment' },
    };
    for (const r of ROUTES as readonly RouteDef[]) {
      if (r.roles.length === 0) continue;
      for (const role of ROLES) {
        const who = role === 'institution' ? 'institution:UGENT' : role;
        const res = await call(r.id, who, {
          ...bodies[r.id],
          ...(samplePath[r.id] ? { path: samplePath[r.id] } : {}),
        });
        if ((r.roles as readonly string[]).includes(role))
          assert.notEqual(res.status, 403, `${role} may call ${r.id}`);
        else assert.equal(res.status, 403, `${role} may not call ${r.id} (got ${res.status})`);
      }
      const anonymous = await call(r.id, undefined, {
        ...bodies[r.id],
        ...(samplePath[r.id] ? { path: samplePath[r.id] } : {}),
      });
      assert.equal(anonymous.status, 401, `${r.id} without a token`);
    }
  });

  it('refuses forged, expired, wrong-audience, wrong-issuer and alg:none tokens with 401', async () => {
    const idp = stack.idp;
    const bad = {
      expired: await idp.issueToken({ role: 'auditor' }, { expiresInSec: -60 }),
      audience: await idp.issueToken({ role: 'auditor' }, { audience: 'another-api' }),
      issuer: await idp.issueToken({ role: 'auditor' }, { issuer: 'https://evil.example/idp' }),
      none: await idp.issueToken({ role: 'auditor' }, { alg: 'none' }),
      confusion: await idp.issueToken({ role: 'auditor' }, { alg: 'HS256' }),
      tampered: (await idp.issueToken({ role: 'clerk' })).replace(
        /\.([^.]+)\./,
        (_m, p: string) =>
          `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'auditor' })).toString('base64url')}.`,
      ),
      garbage: 'not-a-jwt',
    };
    for (const [what, t] of Object.entries(bad)) {
      const r = await call('listAuditEvents', undefined, { bearer: t });
      assert.equal(r.status, 401, what);
      assert.equal(r.json.code, 'UNAUTHENTICATED');
    }
  });

  it('shows a student to an institution with an enrolment or a ruling for it, and the same 404 as an unknown number to others', async () => {
    const own = await call('getCredit', 'institution:UGENT', {
      path: `/v1/students/${student}/learning-credit`,
      query: 'purpose=study-progress-decision',
    });
    assert.equal(own.status, 200);
    assert.equal(own.json.balance, 140 + 15);
    assert.equal(JSON.stringify(own.json).includes('Maes'), false, 'no name in the credit view');
    const other = await call('getCredit', 'institution:KUL', {
      path: `/v1/students/${student}/learning-credit`,
      query: 'purpose=enrolment',
    });
    const unknown = await call('getCredit', 'institution:KUL', {
      path: `/v1/students/${stranger}/learning-credit`,
      query: 'purpose=enrolment',
    });
    assert.equal(other.status, 404);
    assert.deepEqual(other.json, unknown.json, 'not visible looks exactly like unknown');
    const enrol = await call('declareEnrolment', 'institution:KUL', {
      path: `/v1/students/${student}/enrolments/2025-2026`,
    });
    assert.equal(enrol.status, 201);
    const now = await call('getCredit', 'institution:KUL', {
      path: `/v1/students/${student}/learning-credit`,
      query: 'purpose=enrolment',
    });
    assert.equal(now.status, 200);
  });

  it('requires a documented purpose and a valid number', async () => {
    const noPurpose = await call('getCredit', 'institution:UGENT', {
      path: `/v1/students/${student}/learning-credit`,
    });
    assert.equal(noPurpose.status, 400);
    assert.equal(noPurpose.json.code, 'INVALID_PURPOSE');
    const badPurpose = await call('getCredit', 'institution:UGENT', {
      path: `/v1/students/${student}/learning-credit`,
      query: 'purpose=curiosity',
    });
    assert.equal(badPurpose.status, 400);
    const badNumber = await call('getCredit', 'institution:UGENT', {
      path: '/v1/students/85073003329/learning-credit',
      query: 'purpose=enrolment',
    });
    assert.equal(badNumber.status, 400);
    assert.equal(badNumber.json.code, 'INVALID_RRN');
    assert.match(JSON.stringify(badNumber.json), /85\.07\.30-xxx\.29/);
    assert.equal(badNumber.text.includes('033'), false);
  });

  it('looks up to 100 numbers at once with one audit record per number', async () => {
    const r = await call('batchGetCredit', 'institution:UGENT', {
      json: { purpose: 'enrolment', nationalNumbers: [student, stranger, '123'] },
    });
    assert.equal(r.status, 200);
    const results = r.json.results as { status: string }[];
    assert.deepEqual(
      results.map((x) => x.status),
      ['FOUND', 'NOT_FOUND', 'INVALID'],
    );
    const deps = await intakeDeps();
    const records = (await deps.audit.list()).filter(
      (x) => x.action === 'credit.read' && x.actor.institution === 'UGENT' && x.purpose === 'enrolment',
    );
    assert.ok(records.length >= 2);
    const tooMany = await call('batchGetCredit', 'institution:UGENT', {
      json: { purpose: 'enrolment', nationalNumbers: Array.from({ length: 101 }, () => student) },
    });
    assert.equal(tooMany.status, 400);
  });

  it('returns no credit data when the access cannot be audited (fail closed)', async () => {
    failAudit = true;
    try {
      const r = await call('getCredit', 'institution:UGENT', {
        path: `/v1/students/${student}/learning-credit`,
        query: 'purpose=enrolment',
      });
      assert.equal(r.status, 503);
      assert.equal(r.json.code, 'AUDIT_UNAVAILABLE');
      assert.equal('balance' in r.json, false);
      const s = await call('subjectReport', 'auditor', { path: `/v1/audit/subjects/${student}` });
      assert.equal(s.status, 503);
    } finally {
      failAudit = false;
    }
  });

  it('lets the auditor filter the log, export CSV and see denied attempts marked', async () => {
    const r = await call('listAuditEvents', 'auditor', { query: `subject=${student}&action=credit.read` });
    assert.equal(r.status, 200);
    const items = r.json.items as { outcome: string; actor: { institution?: string } }[];
    assert.ok(items.some((i) => i.outcome === 'ALLOWED' && i.actor.institution === 'UGENT'));
    assert.ok(items.some((i) => i.outcome.startsWith('DENIED') && i.actor.institution === 'KUL'));
    const csv = await call('listAuditEvents', 'auditor', { query: 'outcome=DENIED', accept: 'text/csv' });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(csv.text.split('\r\n')[0]!, /^at,id,actorId/);
    assert.ok(csv.text.includes('DENIED'));
    assert.equal(csv.text.includes(student), false, 'no national number in the export');
  });

  it('gives the data-subject report with the ledger entries and every access', async () => {
    const r = await call('subjectReport', 'auditor', { path: `/v1/audit/subjects/${student}` });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.name, { surname: 'Maes', givenNames: 'Lotte' });
    assert.equal((r.json.ledgerEntries as unknown[]).length, 1);
    assert.ok((r.json.accesses as unknown[]).length >= 3);
  });

  it('shows a student exactly their own record and accesses with purposes, and no one else’s', async () => {
    const key = (a: { at: string; action: string; purpose: string; outcome: string }) =>
      `${a.at}|${a.action}|${a.purpose}|${a.outcome}`;
    // The stranger is consulted too (an unknown number): never in the student's list.
    await call('getCredit', 'institution:KUL', {
      path: `/v1/students/${stranger}/learning-credit`,
      query: 'purpose=appeal',
    });
    const me = await call('getMyRecord', `student:${student}`, { query: 'limit=200' });
    assert.equal(me.status, 200);
    const calledAt = new Date().toISOString();
    assert.equal(me.json.nationalNumber, student, 'the student sees their own number');
    assert.equal(me.json.balance, 140 + 15);
    assert.deepEqual(
      (me.json.rulings as { rulingNumber: string; academicYear: string; returned: number }[]).map((r) => [
        r.rulingNumber,
        r.academicYear,
        r.returned,
      ]),
      [['71001', '2023-2024', 15]],
    );
    type Access = { at: string; action: string; purpose: string; outcome: string; institution?: string };
    const mine = me.json.accesses as Access[];
    assert.equal(mine[0]!.action, 'student.read-own', 'newest first: this very read');
    assert.ok(
      mine.some(
        (a) =>
          a.institution === 'UGENT' && a.action === 'credit.read' && a.purpose === 'study-progress-decision',
      ),
    );
    assert.ok(mine.some((a) => a.institution === 'KUL' && a.outcome === 'DENIED:NOT_VISIBLE'));
    assert.ok(mine.some((a) => a.institution === 'KUL' && a.action === 'enrolment.declare'));
    assert.ok(!mine.some((a) => a.purpose === 'appeal'), 'not the stranger’s consultation');
    assert.ok(
      [...mine].every((a, i) => i === 0 || mine[i - 1]!.at >= a.at),
      'newest first',
    );
    assert.equal(JSON.stringify(mine).includes('demo-institution'), false, 'no staff or client ids');
    // Exactly the accesses the auditor's subject report lists for this person (up to the read).
    const report = await call('subjectReport', 'auditor', { path: `/v1/audit/subjects/${student}` });
    const expected = (report.json.accesses as Access[]).filter((a) => a.at <= calledAt).map(key);
    assert.deepEqual(mine.map(key).sort(), expected.sort());
    // The stranger, as a student, sees their own consultation and none of the student's.
    const theirs = await call('getMyRecord', `student:${stranger}`);
    assert.equal(theirs.status, 200);
    assert.equal(theirs.json.known, false);
    const theirAccesses = theirs.json.accesses as Access[];
    assert.ok(theirAccesses.some((a) => a.purpose === 'appeal' && a.institution === 'KUL'));
    const mineKeys = new Set(mine.map(key));
    assert.ok(theirAccesses.every((a) => !mineKeys.has(key(a))));
  });

  it('takes the student from the token only, pages with a cursor, and audits each read under the pseudonym', async () => {
    const viaQuery = await call('getMyRecord', `student:${stranger}`, {
      query: `subject=${student}&nationalNumber=${student}`,
    });
    assert.equal(viaQuery.status, 200);
    assert.equal(viaQuery.json.nationalNumber, stranger, 'a number in the query is ignored');
    assert.equal(viaQuery.json.known, false);
    const first = await call('getMyRecord', `student:${student}`, { query: 'limit=2' });
    assert.equal((first.json.accesses as unknown[]).length, 2);
    assert.equal(typeof first.json.next, 'string');
    const second = await call('getMyRecord', `student:${student}`, {
      query: `limit=2&next=${encodeURIComponent(first.json.next as string)}`,
    });
    assert.equal(second.status, 200);
    assert.equal((second.json.accesses as unknown[]).length, 2);
    assert.notDeepEqual(second.json.accesses, first.json.accesses);
    const bad = await call('getMyRecord', `student:${student}`, { query: 'next=forged' });
    assert.equal(bad.status, 400);
    const deps = await intakeDeps();
    const reads = (await deps.audit.list()).filter((r) => r.action === 'student.read-own');
    assert.ok(reads.length >= 4);
    for (const r of reads) {
      assert.match(r.subject ?? '', /^[0-9a-f]{64}$/);
      assert.equal(r.actor.role, 'student');
      assert.equal(JSON.stringify(r).includes(student) || JSON.stringify(r).includes(stranger), false);
    }
  });

  it('refuses a student token without a valid national number, and a non-student with one', async () => {
    const idp = stack.idp;
    const none = await call('getMyRecord', undefined, {
      bearer: await idp.issueToken({ role: 'student' }, { claims: { national_number: undefined } }),
    });
    assert.equal(none.status, 403);
    assert.match((none.json.message as { en: string }).en, /no national register number/);
    const invalid = await call('getMyRecord', undefined, {
      bearer: await idp.issueToken({ role: 'student', nationalNumber: '85073003329' }),
    });
    assert.equal(invalid.status, 403);
    assert.match((invalid.json.message as { en: string }).en, /not a valid number/);
    assert.equal(invalid.text.includes('8507300332'), false, 'the number is not echoed');
    const auditor = await call('getMyRecord', undefined, {
      bearer: await idp.issueToken({ role: 'auditor' }, { claims: { national_number: student } }),
    });
    assert.equal(auditor.status, 403);
    const institution = await call('getMyRecord', 'institution:UGENT');
    assert.equal(institution.status, 403);
  });

  it('imports opening balances and enrolments line by line, reports refused lines, and is idempotent', async () => {
    const a = nationalNumber('040506', 201, true);
    const b = nationalNumber('040506', 203, true);
    const csv = `nationalNumber,surname,givenNames,openingBalance\n${a},Peeters,Jan,120\n${b},Claes,Eva,95\n85073003329,Bad,Check,100\n${a.slice(0, 10)},Short,Number,100\n${b},Claes,,90\n${a},Peeters,Jan,9999\n`;
    const first = await call('importBalances', 'operator', { text: csv });
    assert.equal(first.status, 200);
    assert.equal(first.json.accepted, 2);
    assert.deepEqual(
      (first.json.refused as { line: number; code: string }[]).map((x) => [x.line, x.code]),
      [
        [4, 'INVALID_RRN'],
        [5, 'INVALID_RRN'],
        [6, 'MISSING_FIELD'],
        [7, 'INVALID_FIELD'],
      ],
    );
    const again = await call('importBalances', 'operator', { text: csv });
    assert.equal(again.json.unchanged, 2);
    const enrol = await call('importEnrolments', 'operator', {
      text: `nationalNumber,institution,academicYear\n${a},KUL,2024-2025\n${b},Nergens,2024-2025\n${a},UGENT,2024-2026\n`,
    });
    assert.equal(enrol.json.accepted, 1);
    assert.deepEqual(
      (enrol.json.refused as { code: string }[]).map((x) => x.code),
      ['UNKNOWN_INSTITUTION', 'INVALID_FIELD'],
    );
    const credit = await call('getCredit', 'institution:KUL', {
      path: `/v1/students/${a}/learning-credit`,
      query: 'purpose=enrolment',
    });
    assert.equal(credit.status, 200);
    assert.equal(credit.json.balance, 120);
  });

  it('lets a clerk upload through the presigned POST and follow only their own uploads', async () => {
    const start = await call('createUpload', 'clerk');
    assert.equal(start.status, 201);
    const { intakeId, upload } = start.json as {
      intakeId: string;
      upload: { url: string; fields: Record<string, string> };
    };
    assert.equal(upload.fields['Content-Type'], 'application/pdf');
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append(
      'file',
      new Blob(
        [
          (await pdfFromText(
            extractText({
              ruling: '71002',
              rrn: student,
              surname: 'Maes',
              givenNames: 'Lotte',
              lines: [{ year: '2024-2025', inst: 'UGent', prog: 'Bachelor in de biologie', req: 6, ret: 6 }],
            }),
          )) as Uint8Array<ArrayBuffer>,
        ],
        { type: 'application/pdf' },
      ),
    );
    const put = await fetch(upload.url, { method: 'POST', body: form });
    assert.ok(put.ok, `storage accepted the form (${put.status})`);
    const status = await waitForStatus(intakeId);
    assert.equal(status.status, 'APPLIED');
    const mine = await call('listUploads', 'clerk');
    assert.ok((mine.json.items as { intakeId: string }[]).some((i) => i.intakeId === intakeId));
    const other = await call('getUpload', 'clerk', { path: `/v1/extracts/0api0000001-aaaaaaaaaaaaaaaa` });
    assert.equal(other.status, 404, "another clerk's upload is not visible");
  });

  it('lets the operator approve a held extract after review, which then applies', async () => {
    const p = nationalNumber('030303', 301, true);
    const deps = await intakeDeps();
    const put = async (id: string, surname: string, ruling: string) => {
      const key = `incoming/griffie-api/${id}.pdf`;
      const now = new Date().toISOString();
      await deps.statuses.received({
        intakeId: id,
        uploader: 'griffie-api',
        key,
        receivedAt: now,
        updatedAt: now,
        status: 'RECEIVED',
      });
      await deps.extracts.put(
        key,
        await pdfFromText(extractText({ ruling, rrn: p, surname, givenNames: 'Mila' })),
      );
      return waitForStatus(id);
    };
    assert.equal((await put('0api0000002-bbbbbbbbbbbbbbbb', 'Wouters', '72001')).status, 'APPLIED');
    assert.equal((await put('0api0000003-cccccccccccccccc', 'Wauters', '72002')).status, 'HELD');
    const held = await call('listHeld', 'operator');
    assert.ok(
      (held.json.items as { intakeId: string }[]).some((i) => i.intakeId === '0api0000003-cccccccccccccccc'),
    );
    const approve = await call('approveHeld', 'operator', {
      path: '/v1/admin/held/0api0000003-cccccccccccccccc:approve',
    });
    assert.equal(approve.status, 202);
    assert.equal((await waitForStatus('0api0000003-cccccccccccccccc')).status, 'APPLIED');
    const pseudonym = await deps.keys.mac('pseudonym', p);
    assert.equal((await deps.ledger.getStudent(pseudonym))?.balance, 140 + 2 * 39);
    const again = await call('approveHeld', 'operator', {
      path: '/v1/admin/held/0api0000003-cccccccccccccccc:approve',
    });
    assert.equal(again.status, 404);
  });

  it('holds a scan with the values read and its page image; the operator compares and approves it, then it applies', async () => {
    const deps = await intakeDeps();
    const id = '0api0000009-scan000000000000';
    const key = `incoming/griffie-api/${id}.pdf`;
    const now = new Date().toISOString();
    await deps.statuses.received({
      intakeId: id,
      uploader: 'griffie-api',
      key,
      receivedAt: now,
      updatedAt: now,
      status: 'RECEIVED',
    });
    await deps.extracts.put(key, await hiddenTextPdf('scan-ocr'));
    const held = await waitForStatus(id);
    assert.equal(held.status, 'HELD');
    assert.equal(held.code, 'SCANNED_EXTRACT');

    const list = await call('listHeld', 'operator');
    const item = (list.json.items as HeldItem[]).find((i) => i.intakeId === id);
    assert.equal(item?.review?.rulingNumber, '9412');
    assert.equal(item?.review?.nationalNumber, '85.07.30-xxx.28');
    assert.deepEqual(
      item?.review?.lines.map((l) => [l.academicYear, l.returned]),
      [['2022-2023', 27]],
    );
    assert.deepEqual(item?.review?.pageImages, [1]);

    const page = await call('getHeldPage', 'operator', { path: `/v1/admin/held/${id}/pages/1` });
    assert.equal(page.status, 200);
    const png = Buffer.from(String(page.json.dataUrl).replace('data:image/png;base64,', ''), 'base64');
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100, 'a page-sized image');
    const missing = await call('getHeldPage', 'operator', { path: `/v1/admin/held/${id}/pages/2` });
    assert.equal(missing.status, 404);
    const auditor = await call('getHeldPage', 'auditor', { path: `/v1/admin/held/${id}/pages/1` });
    assert.equal(auditor.status, 403);

    const approve = await call('approveHeld', 'operator', { path: `/v1/admin/held/${id}:approve` });
    assert.equal(approve.status, 202);
    const done = await waitForStatus(id);
    assert.equal(done.status, 'APPLIED', JSON.stringify(done.message));
  });

  it('refuses to approve a held extract whose bytes were replaced after it was held; the new bytes are an intake of their own', async () => {
    const p = nationalNumber('030303', 302, true);
    const deps = await intakeDeps();
    const key = (id: string) => `incoming/griffie-api/${id}.pdf`;
    const post = async (id: string, bytes: Uint8Array) => {
      const now = new Date().toISOString();
      await deps.statuses.received({
        intakeId: id,
        uploader: 'griffie-api',
        key: key(id),
        receivedAt: now,
        updatedAt: now,
        status: 'AWAITING_UPLOAD',
      });
      await deps.extracts.put(key(id), bytes);
      return waitForStatus(id);
    };
    const pdf = (ruling: string, surname: string, givenNames: string, returned = 39) =>
      pdfFromText(
        extractText({
          ruling,
          rrn: p,
          surname,
          givenNames,
          ...(returned === 39
            ? {}
            : {
                lines: [
                  { year: '2022-2023', inst: 'UGent', prog: 'Bachelor in de rechten', req: 30, ret: 30 },
                  { year: '2023-2024', inst: 'UGent', prog: 'Bachelor in de rechten', req: 30, ret: 30 },
                ],
              }),
        }),
      );
    assert.equal(
      (await post('0api0000004-dddddddddddddddd', await pdf('72101', 'Wouters', 'Mila'))).status,
      'APPLIED',
    );
    const heldId = '0api0000005-eeeeeeeeeeeeeeee';
    const held = await post(heldId, await pdf('72102', 'Wauters', 'Mila'));
    assert.equal(held.status, 'HELD');
    // The clerk posts the same presigned form again: another ruling, another name, 60 credits.
    await deps.extracts.put(key(heldId), await pdf('72103', 'Claes', 'Tom', 60));
    const swapped = await waitForStatus(`${heldId}-2`);
    assert.equal(swapped.status, 'HELD', 'the new bytes get their own outcome (their own identity check)');
    assert.equal(swapped.parentIntakeId, heldId);
    const approve = await call('approveHeld', 'operator', { path: `/v1/admin/held/${heldId}:approve` });
    assert.equal(approve.status, 409);
    assert.equal(approve.json.code, 'EXTRACT_CHANGED');
    assert.equal((await deps.statuses.get(heldId))?.status, 'HELD', 'the held extract stays held');
    const list = (await call('listHeld', 'operator')).json.items as {
      intakeId: string;
      parentIntakeId?: string;
      sha256?: string;
    }[];
    const both = list.filter((i) => i.intakeId.startsWith(heldId));
    assert.equal(both.length, 2, 'the operator sees the held extract and the file posted over it');
    assert.equal(both.find((i) => i.intakeId === `${heldId}-2`)?.parentIntakeId, heldId);
    assert.notEqual(both[0]!.sha256, both[1]!.sha256);
    await new Promise((r) => setTimeout(r, 300));
    const pseudonym = await deps.keys.mac('pseudonym', p);
    assert.equal((await deps.ledger.getStudent(pseudonym))?.balance, 140 + 39, 'nothing applied');
  });

  it('pauses and resumes intake through the operator API', async () => {
    const paused = await call('setIntake', 'operator', { json: { state: 'paused' } });
    assert.equal(paused.json.state, 'paused');
    const running = await call('setIntake', 'operator', { json: { state: 'running' } });
    assert.equal(running.json.state, 'running');
    const bad = await call('setIntake', 'operator', { json: { state: 'sleeping' } });
    assert.equal(bad.status, 400);
  });

  it('seals the trail, verifies it, and names the record edited directly in the database', async () => {
    await stack.seal();
    await new Promise((r) => setTimeout(r, 5200)); // the sealer leaves records younger than its 5 s grace
    await stack.seal();
    // The sealer verified what it sealed and advanced the verified head: a plain call checks only
    // what is newer; a from/to window checks that window's checkpoints and records.
    const head = await call('verifyAudit', 'auditor');
    assert.equal(head.json.ok, true, JSON.stringify(head.json.firstProblem));
    const incremental = head.json.incremental as { fromHead: { sequence: number } | null };
    assert.ok(
      incremental.fromHead && incremental.fromHead.sequence >= 1,
      'no verified head stored by the sealer',
    );
    const window = `from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`;
    const ok = await call('verifyAudit', 'auditor', { query: window });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.ok, true, JSON.stringify(ok.json.firstProblem));
    assert.ok((ok.json.checkedRecords as number) > 10);
    // Someone with database access rewrites history: KUL's denied read becomes an allowed one.
    const deps = await intakeDeps();
    const victim = (await deps.audit.list()).find(
      (r) => r.outcome === 'DENIED:NOT_VISIBLE' && r.actor.institution === 'KUL',
    );
    assert.ok(victim);
    // Its inclusion proof checks offline with the public key alone, and against the record as stored.
    const proof = await call('proveAuditRecord', 'auditor', {
      path: `/v1/audit/records/${encodeURIComponent(victim.id)}/proof`,
    });
    assert.equal(proof.status, 200);
    const exported = JSON.parse(JSON.stringify(proof.json)) as RecordProof & { publicKeyPem: string };
    assert.deepEqual(verifyRecordProof(exported, pemVerifier(exported.publicKeyPem), victim), { ok: true });
    // The chart reads the sealer's per-day counters.
    const chart = await call('auditChart', 'auditor', { query: 'days=7' });
    assert.equal(chart.status, 200);
    const counts = chart.json.counts as { institution: string; denied: number }[];
    assert.ok(counts.some((c) => c.institution === 'KUL' && c.denied >= 1));
    await documentClient().send(
      new UpdateCommand({
        TableName: stack.state.tables.audit,
        Key: { id: victim.id },
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': 'ALLOWED' },
      }),
    );
    const broken = await call('verifyAudit', 'auditor', { query: window });
    assert.equal(broken.json.ok, false);
    const first = broken.json.firstProblem as { kind: string; recordId: string };
    assert.equal(first.kind, 'ALTERED');
    assert.equal(first.recordId, victim.id);
    // The full re-verification (started by the auditor, run by the sealer) finds it too, and its
    // result is signed with the checkpoint key.
    const started = await call('startFullVerification', 'auditor');
    assert.equal(started.status, 202);
    await stack.seal();
    const status = await call('getFullVerification', 'auditor');
    assert.equal(status.status, 200);
    const last = status.json.lastResult as SignedFullVerification & { signatureValid: boolean };
    assert.equal(last.signatureValid, true);
    assert.equal(verifyFullResult(last, pemVerifier(status.json.publicKeyPem as string)), true);
    const result = last.result as FullVerificationResult;
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((p) => [p.kind, p.recordId]),
      [['ALTERED', victim.id]],
    );
    // Starting it is audited like every auditor action.
    assert.ok((await deps.audit.list()).some((r) => r.action === 'audit.verify.full.start'));
  });

  it('validated every JSON response against the OpenAPI document', () => {
    assert.ok(validated > 100, `validated ${validated} responses`);
  });
});
