/**
 * Concurrency: 50 extracts for one student are applied while an institution asks for that
 * student's learning credit 50 times. The balance ends exact, every query leaves exactly one
 * audit record (allowed or denied, as it was answered), and no answer shows a balance its own
 * corrections cannot explain. Fail-closed (no data without an audit record) is proven in
 * test/integration/api.test.ts; this checks the count under load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import {
  balanceOf,
  captureOutput,
  extractText,
  nationalNumber,
  pdfFromText,
  upload,
  waitForStatus,
  withStack,
} from '../integration/helpers.js';
import { seededRandom, statusText } from './helpers.js';
import { PersonalData } from './privacy.js';

const output = captureOutput();
const people = new PersonalData();

const EXTRACTS = 50;
const QUERIES = 50;

interface CreditAnswer {
  readonly status: number;
  readonly body: string;
  readonly balance?: number;
  readonly corrections?: { rulingNumber: string; returned: number }[];
}

describe('one student: extracts applied while an institution reads the credit', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;

  before(async () => {
    stack = await withStack({ sealEveryMs: 0 });
    // Warm up (the PDF worker thread, the JIT) with another student's extract.
    const other = { rrn: nationalNumber('040507', 78, true), surname: 'Opwarmerova', givenNames: 'Klaartje' };
    people.person(other);
    await waitForStatus(await upload(await pdfFromText(extractText({ ruling: '74999', ...other }))));
  });

  after(async () => {
    await stack?.dispose();
  });

  it(`gives the exact balance after ${EXTRACTS} extracts and one audit record for each of ${QUERIES} interleaved queries`, async () => {
    const rand = seededRandom('concurrency');
    const why = `seed ${rand.seed}`;
    const student = {
      rrn: nationalNumber('040506', 77, true),
      surname: 'Gelijktijdigova',
      givenNames: 'Margriet',
    };
    people.person(student);
    const returned = Array.from({ length: EXTRACTS }, (_, i) => 1 + (i % 5));
    const pdfs = await Promise.all(
      returned.map((ret, i) =>
        pdfFromText(
          extractText({
            ruling: String(75_000 + i),
            ...student,
            lines: [
              { year: '2024-2025', inst: 'Universiteit Gent', prog: 'Bachelor in de rechten', req: 10, ret },
            ],
          }),
        ),
      ),
    );
    const token = await stack.idp.issueToken({ role: 'institution', institution: 'UGENT' });
    const url = `${stack.state.apiUrl}/v1/students/${student.rrn}/learning-credit?purpose=study-progress-decision`;

    stack.queue.pause();
    const ids = await Promise.all(pdfs.map((pdf) => upload(pdf)));
    stack.queue.resume();
    // The queries are spread over the time the extracts take to apply (a few seconds here).
    const answers = await Promise.all(
      Array.from({ length: QUERIES }, async (_, q): Promise<CreditAnswer> => {
        await new Promise((r) => setTimeout(r, q * 80 + rand.int(80)));
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        const json = res.status === 200 ? (JSON.parse(body) as CreditAnswer) : undefined;
        return {
          status: res.status,
          body,
          ...(json ? { balance: json.balance, corrections: json.corrections } : {}),
        };
      }),
    );
    await stack.queue.drain(120_000);

    const deps = await intakeDeps();
    const statuses = await Promise.all(ids.map((id) => deps.statuses.get(id)));
    assert.ok(
      statuses.every((s) => s?.status === 'APPLIED' && s.extractDeleted),
      `${why}: ${statuses.map((s) => s?.status).join(',')}`,
    );
    const final = 140 + returned.reduce((a, b) => a + b, 0);
    assert.equal(await balanceOf(student.rrn), final, `${why}: final balance`);

    const pseudonym = await deps.keys.mac('pseudonym', student.rrn);
    const records = (await deps.audit.list()).filter(
      (r) => r.action === 'credit.read' && r.subject === pseudonym,
    );
    assert.equal(records.length, QUERIES, `${why}: one audit record per query`);
    assert.equal(new Set(records.map((r) => r.id)).size, QUERIES, `${why}: distinct records`);
    const ok = answers.filter((a) => a.status === 200);
    const notFound = answers.filter((a) => a.status === 404);
    assert.equal(
      ok.length + notFound.length,
      QUERIES,
      `${why}: statuses ${answers.map((a) => a.status).join(',')}`,
    );
    assert.equal(
      records.filter((r) => r.outcome === 'ALLOWED').length,
      ok.length,
      `${why}: allowed = answered`,
    );
    assert.equal(
      records.filter((r) => r.outcome === 'DENIED:NOT_VISIBLE').length,
      notFound.length,
      `${why}: denied = 404`,
    );
    assert.ok(ok.length > 0, `${why}: no query saw the student`);
    for (const a of ok) {
      // Ledger entries are written before the balance, never after: a reader may see a ruling's
      // entry a moment before its credits, but never credits without the entry.
      const listed = (a.corrections ?? []).reduce((n, c) => n + c.returned, 0);
      assert.ok(a.balance! >= 140 && a.balance! <= final, `${why}: balance ${a.balance} out of range`);
      assert.ok(
        a.balance! - 140 <= listed,
        `${why}: balance ${a.balance} exceeds its corrections (${listed})`,
      );
    }
    const seen = new Set(answers.map((a) => (a.status === 200 ? a.balance : 'not visible yet')));
    process.stderr.write(
      `[reliability] concurrency: the ${QUERIES} queries saw ${seen.size} different states\n`,
    );

    const written = [
      output.text(),
      statusText(statuses),
      ...answers.map((a) => (a.status === 200 ? '' : a.body)),
    ];
    assert.deepEqual(people.findIn(written.join('\n')), [], `${why}: personal data written`);
  });
});
