/**
 * DBRC's seal on the local stack: the intake under `SIGNATURE_POLICY=required` and
 * `verify-if-present`, with a test CA as the environment's trust anchor (PEM in the environment,
 * as CDK sets it on AWS). The signed extracts also prove the parser reads a file with an appended
 * signature revision.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readPdfText } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { ENV } from '../../shared/config/resources.js';
import { overrideContent, signPdf, testPki, type TestPki } from '../fixtures/signed-pdf.js';
import {
  balanceOf,
  extractExists,
  extractText,
  nationalNumber,
  pdfFromText,
  upload,
  waitForStatus,
  withStack,
} from './helpers.js';

const WAIT_MS = 120_000;
const saved = { policy: process.env[ENV.signaturePolicy], anchors: process.env[ENV.signatureTrustAnchors] };

describe('sealed extracts on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let pki: TestPki;
  let seq = 400;
  const extract = (ruling: string) => {
    const rrn = nationalNumber('970512', seq++);
    return {
      rrn,
      text: extractText({ ruling, rrn, surname: `Zegelaar ${'ABCDEFGHIJ'[seq % 10]}`, givenNames: 'Els' }),
    };
  };

  before(async () => {
    pki = await testPki();
    process.env[ENV.signaturePolicy] = 'required';
    process.env[ENV.signatureTrustAnchors] = pki.ca.pem;
    // The reader's time limit is not under test here: a busy machine must not make a good
    // extract PDF_DAMAGED.
    stack = await withStack({
      overrideDeps: (deps) => ({ ...deps, pdf: { read: (b) => readPdfText(b, { timeoutMs: 90_000 }) } }),
    });
  });

  after(async () => {
    await stack?.dispose();
    for (const [name, value] of [
      [ENV.signaturePolicy, saved.policy],
      [ENV.signatureTrustAnchors, saved.anchors],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('required: an unsigned extract is REJECTED with SIGNATURE_MISSING and kept', async () => {
    const id = await upload(await pdfFromText(extract('7.101').text));
    const s = await waitForStatus(id, WAIT_MS);
    assert.equal(s.status, 'REJECTED');
    assert.equal(s.code, 'SIGNATURE_MISSING');
    assert.match(s.message!.nl, /geen elektronische zegel/);
    assert.equal(await extractExists(id), true);
  });

  it('required: a sealed extract is APPLIED, and the signer is recorded in the status and the audit trail', async () => {
    const { rrn, text } = extract('7.102');
    const signed = await signPdf(await pdfFromText(text), { signer: pki.seal });
    const id = await upload(signed);
    const s = await waitForStatus(id, WAIT_MS);
    assert.equal(s.status, 'APPLIED', JSON.stringify(s));
    assert.equal(s.signer?.subject, 'CN=DBRC e-zegel, O=Dienst Bestuursrechtscolleges (test)');
    assert.equal(s.signer?.serial, '2a17');
    assert.equal(s.signer?.issuer, 'CN=DBRC Test Root CA, O=Dienst Bestuursrechtscolleges (test)');
    assert.ok(s.signer?.signedAt);
    assert.equal(await balanceOf(rrn), 140 + 39);
    const records = await (await intakeDeps()).audit.list({ limit: 1000 });
    const applied = records.find((r) => r.id === `intake:${id}:applied`);
    assert.equal(applied?.details?.sealSubject, s.signer?.subject);
    assert.equal(applied?.details?.sealSerial, '2a17');
  });

  it('a sealed extract changed by a later revision (a credit number) is REJECTED with SIGNATURE_INVALID', async () => {
    const { rrn, text } = extract('7.103');
    const signed = await signPdf(await pdfFromText(text), { signer: pki.seal });
    const tampered = await overrideContent(
      signed,
      'Studiepunten teruggegeven: 12',
      'Studiepunten teruggegeven: 15',
    );
    const id = await upload(tampered);
    const s = await waitForStatus(id, WAIT_MS);
    assert.equal(s.status, 'REJECTED');
    assert.equal(s.code, 'SIGNATURE_INVALID');
    assert.match(s.message!.en, /changed or added to after signing/);
    assert.equal(s.signer, undefined);
    assert.equal(await balanceOf(rrn), undefined);
  });

  it('verify-if-present: an unsigned extract is APPLIED without a signer', async () => {
    process.env[ENV.signaturePolicy] = 'verify-if-present';
    const { rrn, text } = extract('7.104');
    const id = await upload(await pdfFromText(text));
    const s = await waitForStatus(id, WAIT_MS);
    assert.equal(s.status, 'APPLIED');
    assert.equal(s.signer, undefined);
    assert.equal(await balanceOf(rrn), 140 + 39);
  });
});
