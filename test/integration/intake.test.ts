/**
 * The intake spine end to end on the local stack: real s3rver and dynalite through the real AWS
 * SDK clients, the real handler (middy + Powertools batch), the persistent queue with SQS
 * retry semantics. Only the time between retries is shortened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { EXTRACTS_BUCKET, extractKey } from '../../shared/config/resources.js';
import { strayIntakeId } from '../../shared/domain/extract-keys.js';
import { newIntakeId } from '../../shared/domain/ledger.js';
import { InjectedCrashError } from '../../shared/domain/errors.js';
import type { IntakeDeps, IntakeStep } from '../../shared/use-cases/process-extract.js';
import { INTAKE_STEPS } from '../../shared/use-cases/process-extract.js';
import { hiddenTextPdf } from '../fixtures/hidden-text.js';
import { hostilePdf } from '../fixtures/hostile.js';
import {
  balanceOf,
  captureOutput,
  extractExists,
  extractText,
  nationalNumber,
  pdfFromText,
  upload,
  waitForStatus,
  withStack,
} from './helpers.js';

// Everything the process writes is kept, to check that no personal data reaches the logs.
const output = captureOutput();

/** Crash plan: throw once after `step` for intakes whose id is listed. */
const crashes = new Map<string, IntakeStep>();
/** Audit outage plan: appends about these intakes fail this many more times. */
const auditOutages = new Map<string, number>();
/** What the ledger held for the student each time an append failed. */
const balancesAtOutage: (number | undefined)[] = [];
let outageStudent = '';
const usedNumbers: string[] = [];
const usedNames = ['Van den Broeck', 'Anna Maria'];
let seq = 100;

function student(): { rrn: string; surname: string; givenNames: string } {
  const rrn = nationalNumber('990214', seq++);
  usedNumbers.push(rrn);
  const surname = `Peeters${String.fromCharCode(65 + (seq % 26))}${String.fromCharCode(65 + ((seq * 7) % 26)).toLowerCase()}`;
  usedNames.push(surname);
  return { rrn, surname, givenNames: 'Jan' };
}

describe('intake on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;

  before(async () => {
    stack = await withStack({
      overrideDeps: (deps: IntakeDeps): IntakeDeps => ({
        ...deps,
        audit: {
          list: (o) => deps.audit.list(o),
          query: (f, p) => deps.audit.query(f, p),
          append: async (record) => {
            const id = String(record.details?.intakeId ?? '');
            const left = auditOutages.get(id) ?? 0;
            if (left > 0) {
              auditOutages.set(id, left - 1);
              balancesAtOutage.push(await balanceOf(outageStudent));
              throw new Error('audit table unavailable (injected)');
            }
            await deps.audit.append(record);
          },
        },
        afterStep: (step, intakeId) => {
          if (crashes.get(intakeId) === step) {
            crashes.delete(intakeId);
            throw new InjectedCrashError(step);
          }
        },
      }),
    });
    usedNumbers.push('85073003328');
  });

  after(async () => {
    await stack?.dispose();
  });

  it('applies a valid extract once, deletes it and reports APPLIED', async () => {
    const id = await upload(await pdfFromText(extractText()));
    const s = await waitForStatus(id);
    assert.equal(s.status, 'APPLIED');
    assert.equal(s.rulingNumber, '9412');
    assert.equal(s.extractDeleted, true);
    assert.match(s.message!.nl, /39 studiepunten/);
    assert.equal(await balanceOf('85073003328'), 140 + 39);
    assert.equal(await extractExists(id), false);
    const deps = await intakeDeps();
    const entries = await deps.ledger.listEntries(await deps.keys.mac('pseudonym', '85073003328'));
    assert.deepEqual(
      entries.map((e) => [e.rulingNumber, e.academicYear, e.institution, e.requested, e.returned]),
      [
        ['9412', '2022-2023', 'UGENT', 27, 27],
        ['9412', '2023-2024', 'UGENT', 15, 12],
      ],
    );
    assert.match(entries[0]!.extractSha256, /^[0-9a-f]{64}$/);
    const audit = await deps.audit.list();
    const record = audit.find((r) => r.id === `intake:${id}:applied`);
    assert.ok(record, 'an access record for the applied ruling');
    assert.equal(record.action, 'ledger.apply-ruling');
    assert.equal(record.subject, await deps.keys.mac('pseudonym', '85073003328'));
  });

  it('counts the same extract uploaded three times once: one APPLIED, two DUPLICATE', async () => {
    const p = student();
    const pdf = await pdfFromText(
      extractText({ ruling: '7.001', rrn: p.rrn, surname: p.surname, givenNames: p.givenNames }),
    );
    const ids = [await upload(pdf), await upload(pdf), await upload(pdf)];
    const statuses = await Promise.all(ids.map((id) => waitForStatus(id)));
    assert.deepEqual(statuses.map((s) => s.status).sort(), ['APPLIED', 'DUPLICATE', 'DUPLICATE']);
    assert.equal(await balanceOf(p.rrn), 140 + 39);
    for (const id of ids) assert.equal(await extractExists(id), false);
  });

  for (const step of INTAKE_STEPS) {
    it(`reaches the same final state when the function crashes after "${step}" and the message is redelivered`, async () => {
      const p = student();
      const ruling = String(8000 + INTAKE_STEPS.indexOf(step));
      const bytes = await pdfFromText(
        extractText({ ruling, rrn: p.rrn, surname: p.surname, givenNames: p.givenNames }),
      );
      // The crash plan must be in place before the object event fires: reserve the id first.
      const deps = await intakeDeps();
      const { newIntakeId } = await import('../../shared/domain/ledger.js');
      const id = newIntakeId();
      crashes.set(id, step);
      const key = extractKey('griffie-test', id);
      const now = new Date().toISOString();
      await deps.statuses.received({
        intakeId: id,
        uploader: 'griffie-test',
        key,
        receivedAt: now,
        updatedAt: now,
        status: 'RECEIVED',
      });
      await deps.extracts.put(key, bytes);
      const s = await waitForStatus(id);
      assert.equal(crashes.has(id), false, 'the crash happened');
      assert.equal(s.status, 'APPLIED');
      assert.equal(s.extractDeleted, true);
      assert.equal(await balanceOf(p.rrn), 140 + 39);
      assert.equal(await extractExists(id), false);
      const pseudonym = await deps.keys.mac('pseudonym', p.rrn);
      assert.equal((await deps.ledger.listEntries(pseudonym)).length, 2);
      const records = (await deps.audit.list()).filter((r) => r.details?.intakeId === id);
      assert.deepEqual(
        records.map((r) => r.outcome),
        ['APPLIED'],
      );
    });
  }

  it('changes no balance while the audit log cannot be written, and applies with its record once it can', async () => {
    const p = student();
    outageStudent = p.rrn;
    const deps = await intakeDeps();
    const { newIntakeId } = await import('../../shared/domain/ledger.js');
    const id = newIntakeId();
    auditOutages.set(id, 2); // two deliveries fail, the third (the last before dead-lettering) succeeds
    const key = extractKey('griffie-test', id);
    const now = new Date().toISOString();
    await deps.statuses.received({
      intakeId: id,
      uploader: 'griffie-test',
      key,
      receivedAt: now,
      updatedAt: now,
      status: 'AWAITING_UPLOAD',
    });
    await deps.extracts.put(
      key,
      await pdfFromText(
        extractText({ ruling: '8101', rrn: p.rrn, surname: p.surname, givenNames: p.givenNames }),
      ),
    );
    const s = await waitForStatus(id);
    assert.equal(s.status, 'APPLIED');
    assert.deepEqual(balancesAtOutage, [140, 140], 'nothing applied while the audit failed');
    assert.equal(await balanceOf(p.rrn), 140 + 39);
    const records = (await deps.audit.list()).filter((r) => r.details?.intakeId === id);
    assert.deepEqual(
      records.map((r) => r.action),
      ['ledger.apply-ruling'],
    );
  });

  it('gives the exact balance when 20 extracts for one student arrive at once', async () => {
    const p = student();
    const pdfs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pdfFromText(
          extractText({
            ruling: String(20_000 + i),
            rrn: p.rrn,
            surname: p.surname,
            givenNames: p.givenNames,
            lines: [
              {
                year: '2023-2024',
                inst: 'KU Leuven',
                prog: 'Master in de rechten',
                req: 10,
                ret: 1 + (i % 5),
              },
            ],
          }),
        ),
      ),
    );
    const ids = await Promise.all(pdfs.map((pdf) => upload(pdf)));
    const statuses = await Promise.all(ids.map((id) => waitForStatus(id, 60_000)));
    assert.ok(statuses.every((s) => s.status === 'APPLIED'));
    const expected = 140 + Array.from({ length: 20 }, (_, i) => 1 + (i % 5)).reduce((a, b) => a + b, 0);
    assert.equal(await balanceOf(p.rrn), expected);
  });

  it('holds an extract whose name does not match the one registered for the number, changing nothing', async () => {
    const p = student();
    await waitForStatus(
      await upload(
        await pdfFromText(
          extractText({ ruling: '30001', rrn: p.rrn, surname: p.surname, givenNames: 'Jan' }),
        ),
      ),
    );
    const id = await upload(
      await pdfFromText(
        extractText({ ruling: '30002', rrn: p.rrn, surname: 'Janssens', givenNames: 'Piet' }),
      ),
    );
    const s = await waitForStatus(id);
    assert.equal(s.status, 'HELD');
    assert.equal(s.code, 'IDENTITY_MISMATCH');
    assert.equal(await balanceOf(p.rrn), 140 + 39);
    assert.equal(await extractExists(id), true, 'a held extract is kept');
    const deps = await intakeDeps();
    const record = (await deps.audit.list()).find((r) => r.id === `intake:${id}:held`);
    assert.equal(
      record?.subject,
      await deps.keys.mac('pseudonym', p.rrn),
      'the hold is audited about that student',
    );
  });

  it('binds each status to the bytes it decided on, and makes a second object under a used key an intake of its own', async () => {
    const p = student();
    const pdf = (ruling: string) =>
      pdfFromText(extractText({ ruling, rrn: p.rrn, surname: p.surname, givenNames: p.givenNames }));
    const first = await pdf('31001');
    const id = await upload(first);
    const s1 = await waitForStatus(id);
    assert.equal(s1.status, 'APPLIED');
    const { sha256Hex } = await import('../../shared/domain/ledger.js');
    assert.equal(s1.sha256, sha256Hex(first), 'the status names the bytes it applied');
    const deps = await intakeDeps();
    const key = extractKey('griffie-test', id);
    // The clerk posts the same (still valid) presigned form again, with another ruling.
    const second = await pdf('31002');
    await deps.extracts.put(key, second);
    const s2 = await waitForStatus(`${id}-2`);
    assert.equal(s2.status, 'APPLIED', 'never dropped: processed as an intake of its own');
    assert.equal(s2.parentIntakeId, id);
    assert.equal(s2.uploader, 'griffie-test', "it is in the clerk's own list");
    assert.equal(s2.sha256, sha256Hex(second));
    assert.equal((await deps.statuses.get(id))?.rulingNumber, '31001', 'the first status is unchanged');
    assert.equal(await balanceOf(p.rrn), 140 + 2 * 39);
    // The same finished ruling posted once more: DUPLICATE, as any re-upload, and deleted.
    await deps.extracts.put(key, second);
    const s3 = await waitForStatus(`${id}-3`);
    assert.equal(s3.status, 'DUPLICATE');
    assert.equal(await balanceOf(p.rrn), 140 + 2 * 39);
    assert.equal(await extractExists(id), false, 'nothing left untagged in the bucket');
  });

  it('does not process an object for which the API issued no upload: UNKNOWN_UPLOAD, kept, audited without personal data', async () => {
    const before = await balanceOf('85073003328');
    const deps = await intakeDeps();
    const id = newIntakeId();
    await deps.extracts.put(
      extractKey('griffie-test', id),
      await pdfFromText(extractText({ ruling: '31101' })),
    );
    const s = await waitForStatus(id);
    assert.equal(s.status, 'REJECTED');
    assert.equal(s.code, 'UNKNOWN_UPLOAD');
    assert.equal(s.uploader, 'unknown', "in no clerk's list: the key proves nobody uploaded it");
    assert.match(s.message!.nl, /niet via de toepassing/);
    assert.equal(await extractExists(id), true, 'kept for review');
    assert.equal(await balanceOf('85073003328'), before);
    const record = (await deps.audit.list()).find((r) => r.id === `intake:${id}:rejected`);
    assert.equal(record?.outcome, 'REJECTED:UNKNOWN_UPLOAD');
    assert.equal(record?.subject, undefined, 'nothing was read about a student');

    // An upload id issued to one clerk, used under another clerk's prefix: not that upload.
    const issued = await upload(await pdfFromText(extractText({ ruling: '31102', rrn: student().rrn })));
    await waitForStatus(issued);
    const stolenKey = extractKey('griffie-other', issued);
    await deps.extracts.put(stolenKey, await pdfFromText(extractText({ ruling: '31103' })));
    const stray = await waitForStatus(strayIntakeId(stolenKey));
    assert.equal(stray.code, 'UNKNOWN_UPLOAD');
    assert.equal(await balanceOf('85073003328'), before);
  });

  it('holds a ruling number already applied with different content', async () => {
    const p = student();
    const first = await upload(
      await pdfFromText(
        extractText({ ruling: '30100', rrn: p.rrn, surname: p.surname, givenNames: p.givenNames }),
      ),
    );
    assert.equal((await waitForStatus(first)).status, 'APPLIED');
    const other = extractText({
      ruling: '30100',
      rrn: p.rrn,
      surname: p.surname,
      givenNames: p.givenNames,
      lines: [
        { year: '2023-2024', inst: 'Universiteit Gent', prog: 'Bachelor in de rechten', req: 20, ret: 20 },
      ],
    });
    const id = await upload(await pdfFromText(other));
    const s = await waitForStatus(id);
    assert.equal(s.status, 'HELD');
    assert.equal(s.code, 'CONFLICTING_DUPLICATE');
    assert.equal(await balanceOf(p.rrn), 140 + 39);
    assert.equal(await extractExists(id), true);
  });

  const badInputs: [string, () => Promise<Uint8Array>, string, string?][] = [
    [
      'bytes that are not a PDF',
      async () => new TextEncoder().encode('PK\u0003\u0004 a word document'),
      'NOT_A_PDF',
    ],
    [
      'a damaged PDF',
      async () => new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\ngarbage'),
      'PDF_DAMAGED',
    ],
    [
      'a bad national number',
      async () => pdfFromText(extractText({ ruling: '40001', rrn: '85.07.30-033.29' })),
      'INVALID_RRN',
      'nationalNumber',
    ],
    [
      'a rejected appeal',
      async () => pdfFromText(extractText({ ruling: '40002', decision: 'het beroep wordt verworpen' })),
      'NOT_GRANTED',
      'decision',
    ],
    [
      'an unknown institution',
      async () =>
        pdfFromText(
          extractText({
            ruling: '40003',
            lines: [{ year: '2023-2024', inst: 'Hogeschool Atlantis', prog: 'Bachelor', req: 5, ret: 5 }],
          }),
        ),
      'UNKNOWN_INSTITUTION',
      'institution',
    ],
    [
      'an extract whose credit value reads 90 but the glyphs show 10 (ToUnicode)',
      async () => hiddenTextPdf('tounicode-1-as-9'),
      'HIDDEN_TEXT',
      'returned',
    ],
    [
      'an extract in an embedded font without glyph names whose ToUnicode map reads the glyph 1 as 9',
      async () => hiddenTextPdf('tounicode-embedded-1-as-9'),
      'HIDDEN_TEXT',
      'returned',
    ],
    [
      'an extract whose only credit value is drawn invisibly (render mode 3)',
      async () => hiddenTextPdf('render-mode-3'),
      'HIDDEN_TEXT',
      'returned',
    ],
    [
      'an extract drawn white on white',
      async () => hiddenTextPdf('white-on-white'),
      'HIDDEN_TEXT',
      'returned',
    ],
    ['a form-XObject bomb', async () => hostilePdf('form-bomb'), 'PDF_TOO_COMPLEX'],
    [
      'a missing docket number',
      async () => pdfFromText(extractText({ ruling: '40004' }).replace('Rolnummer: 2024/0815\n', '')),
      'MISSING_FIELD',
      'docket',
    ],
  ];
  for (const [what, make, code, field] of badInputs) {
    it(`rejects ${what} with ${code}, keeps the extract and changes nothing else`, async () => {
      const before = await balanceOf('85073003328');
      const id = await upload(await make());
      const s = await waitForStatus(id);
      assert.equal(s.status, 'REJECTED');
      assert.equal(s.code, code);
      if (field) assert.equal(s.field, field);
      assert.ok(s.message!.nl.length > 20 && s.message!.en.length > 20, 'a message in both languages');
      assert.equal(await extractExists(id), true, 'a rejected extract is kept');
      assert.equal(await balanceOf('85073003328'), before);
    });
  }

  it('holds a scan whose OCR text reads as a valid extract (SCANNED_EXTRACT), changing nothing', async () => {
    const before = await balanceOf('85073003328');
    const id = await upload(await hiddenTextPdf('scan-ocr'));
    const s = await waitForStatus(id);
    assert.equal(s.status, 'HELD');
    assert.equal(s.code, 'SCANNED_EXTRACT');
    assert.equal(await extractExists(id), true, 'a held extract is kept for the operator');
    assert.equal(await balanceOf('85073003328'), before);
  });

  it('processes nothing while intake is paused and everything after resume', async () => {
    const deps = await intakeDeps();
    const { intakeControl } = await import('../../shared/composition/compose.js');
    const control = intakeControl();
    await control.setPaused(true, 'operator:test');
    await new Promise((r) => setTimeout(r, 150)); // the queue polls the switch every 50 ms here
    const p = student();
    const ids = await Promise.all(
      [50001, 50002, 50003].map(async (n) =>
        upload(
          await pdfFromText(
            extractText({ ruling: String(n), rrn: p.rrn, surname: p.surname, givenNames: p.givenNames }),
          ),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    // Nothing read while paused: each upload is RECEIVED (waiting), not yet bound to its bytes.
    for (const id of ids) {
      const s = await deps.statuses.get(id);
      assert.equal(s?.status, 'RECEIVED');
      assert.equal(s?.boundAt, undefined);
    }
    assert.equal(stack.queue.stats().visible, 3);
    await control.setPaused(false, 'operator:test');
    const statuses = await Promise.all(ids.map((id) => waitForStatus(id)));
    assert.ok(statuses.every((s) => s.status === 'APPLIED'));
    assert.equal(await balanceOf(p.rrn), 140 + 3 * 39);
  });

  it('never writes a national number or a name to the logs', () => {
    const log = output.text();
    assert.ok(log.length > 0, 'the handler logged something');
    for (const n of usedNumbers) {
      assert.equal(log.includes(n), false, 'a national number in the logs');
      assert.equal(
        log.includes(`${n.slice(0, 2)}.${n.slice(2, 4)}.${n.slice(4, 6)}-${n.slice(6, 9)}`),
        false,
      );
    }
    for (const name of usedNames) assert.equal(log.includes(name), false, 'a name in the logs');
    assert.equal(
      log.includes(EXTRACTS_BUCKET.uploadPrefix + 'griffie-test'),
      false,
      'object keys stay out of the logs',
    );
  });
});
