/**
 * The PDF part of the seal check (shared/domain/pdf-signature.ts): where the signatures are and
 * whether their byte ranges cover the whole file, on synthetic files (no cryptography), plus the
 * policy (`sealedBy`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExtractRejectedError } from '../../shared/domain/errors.js';
import { locateSignatures, sealedBy, type SealCheck } from '../../shared/domain/pdf-signature.js';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
/** A DER SEQUENCE (an INTEGER 0 inside) padded with zeros, as a signer fills the placeholder. */
const CMS_HEX = '3003020100'.padEnd(64, '0');

/**
 * A file with one revision holding a signature dictionary, its ranges honest (or rewritten by
 * `range`), optionally followed by more bytes.
 */
function signedFile(
  o: {
    range?: (r: number[]) => number[];
    after?: string;
    contents?: string;
    dict?: (s: string) => string;
  } = {},
): Uint8Array {
  const head = '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n';
  const dictTemplate = `<< /Type /Sig /ByteRange [0 0000000000 0000000000 0000000000] /Contents <${o.contents ?? CMS_HEX}> /M (D:20261101100000Z) >>`;
  const dict = o.dict ? o.dict(dictTemplate) : dictTemplate;
  const tail = '\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n';
  const file = head + dict + tail;
  const b = file.indexOf('/Contents <') + '/Contents '.length;
  const c = file.indexOf('>', b) + 1;
  const honest = [0, b, c, file.length - c];
  const r = o.range ? o.range(honest) : honest;
  const text = file.replace(
    '[0 0000000000 0000000000 0000000000]',
    `[${r.map((n, i) => (i === 0 ? String(n) : String(n).padStart(10, '0'))).join(' ')}]`,
  );
  return enc(text + (o.after ?? ''));
}

describe('locateSignatures: byte ranges', () => {
  it('an unsigned file is absent', () => {
    assert.deepEqual(locateSignatures(enc('%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n')), { kind: 'absent' });
  });

  it('honest ranges covering the whole file: signed, CMS without its zero padding, /M read', () => {
    const file = signedFile();
    const layout = locateSignatures(file);
    assert.equal(layout.kind, 'signed');
    if (layout.kind !== 'signed') return;
    const [s] = layout.signatures;
    assert.ok(s?.coversWholeFile);
    assert.deepEqual([...s.cms], [0x30, 0x03, 0x02, 0x01, 0x00]);
    assert.equal(s.signedContent.length, file.length - (s.byteRange[2] - s.byteRange[1]));
    assert.equal(s.claimedTime, '2026-11-01T10:00:00.000Z');
  });

  it('bytes appended after the signed revision (an incremental update) are refused', () => {
    const layout = locateSignatures(signedFile({ after: '3 0 obj\n(99)\nendobj\n%%EOF\n' }));
    assert.equal(layout.kind, 'invalid');
    assert.equal(layout.kind === 'invalid' && layout.reason, 'modified-after-signing');
  });

  it('a signature dictionary without /ByteRange is refused, not ignored', () => {
    const layout = locateSignatures(
      enc('%PDF-1.7\n1 0 obj\n<< /Type /Sig /Contents <00> >>\nendobj\n%%EOF\n'),
    );
    assert.equal(layout.kind, 'invalid');
  });

  it('a gap wider than /Contents, a range not from 0, one past the end: refused', () => {
    for (const range of [
      (r: number[]) => [0, r[1]! - 5, r[2]!, r[3]!], // the gap swallows "/Contents"
      (r: number[]) => [0, r[1]!, r[2]! + 3, r[3]! - 3], // the gap includes bytes after '>'
      (r: number[]) => [1, r[1]! - 1, r[2]!, r[3]!],
      (r: number[]) => [0, r[1]!, r[2]!, r[3]! + 1],
      (r: number[]) => [0, r[1]!, r[2]!, r[3]! - 6], // stops before the end (and before %%EOF)
    ]) {
      const layout = locateSignatures(signedFile({ range }));
      assert.equal(layout.kind, 'invalid', String(range));
    }
  });

  it('/Contents that is not DER followed by zero padding is malformed', () => {
    const layout = locateSignatures(signedFile({ contents: '3003020100FF'.padEnd(64, '0') }));
    assert.equal(layout.kind === 'invalid' && layout.reason, 'malformed');
  });

  it('property: any rewritten byte range other than the honest one is refused', () => {
    const honest = locateSignatures(signedFile());
    assert.equal(honest.kind, 'signed');
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: -40, max: 40 }).filter((d) => d !== 0),
        ),
        ([i, delta]) => {
          fc.pre(i !== 0 || delta > 0); // the first range starts at 0 and cannot go below
          const file = signedFile({
            range: (r) => r.map((n, j) => (j === i ? n + delta : n)),
          });
          return locateSignatures(file).kind === 'invalid';
        },
      ),
    );
  });

  it('property: any non-empty tail after the signed file is refused', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (tail) => {
        const layout = locateSignatures(signedFile({ after: tail }));
        return layout.kind === 'invalid';
      }),
    );
  });

  it('two signatures: the later one covers the earlier revision and the update; both are returned', () => {
    const first = Buffer.from(signedFile()).toString('latin1');
    // A second revision holding a second signature dictionary whose ranges cover everything.
    const rev =
      '3 0 obj\n<< /Type /Sig /ByteRange [0 0000000000 0000000000 0000000000] /Contents <' +
      CMS_HEX +
      '> >>\nendobj\n%%EOF\n';
    const whole = first + rev;
    const b = whole.lastIndexOf('/Contents <') + '/Contents '.length;
    const c = whole.indexOf('>', b) + 1;
    const text =
      whole.slice(0, first.length) +
      rev.replace(
        '[0 0000000000 0000000000 0000000000]',
        `[0 ${String(b).padStart(10, '0')} ${String(c).padStart(10, '0')} ${String(whole.length - c).padStart(10, '0')}]`,
      );
    const layout = locateSignatures(enc(text));
    assert.equal(layout.kind, 'signed');
    if (layout.kind !== 'signed') return;
    assert.deepEqual(
      layout.signatures.map((s) => s.coversWholeFile),
      [false, true],
    );
  });
});

describe('sealedBy: the policy', () => {
  const signer = {
    subject: 'CN=DBRC e-zegel',
    serial: '2a17',
    issuer: 'CN=Root',
    signedAt: '2026-11-01T10:00:00.000Z',
  };
  const valid: SealCheck = { status: 'valid', signer };
  const absent: SealCheck = { status: 'absent' };
  const bad: SealCheck = { status: 'invalid', reason: 'modified-after-signing' };
  const code = (f: () => unknown) => {
    try {
      f();
      return undefined;
    } catch (e) {
      assert.ok(e instanceof ExtractRejectedError);
      return e.code;
    }
  };

  it('valid: the signer, under either policy', () => {
    assert.deepEqual(sealedBy('verify-if-present', valid), signer);
    assert.deepEqual(sealedBy('required', valid), signer);
  });
  it('absent: accepted when only verified if present, SIGNATURE_MISSING when required', () => {
    assert.equal(sealedBy('verify-if-present', absent), undefined);
    assert.equal(
      code(() => sealedBy('required', absent)),
      'SIGNATURE_MISSING',
    );
  });
  it('invalid: SIGNATURE_INVALID under either policy, the reason in both languages', () => {
    assert.equal(
      code(() => sealedBy('verify-if-present', bad)),
      'SIGNATURE_INVALID',
    );
    try {
      sealedBy('required', bad);
    } catch (e) {
      assert.match((e as ExtractRejectedError).messages.nl, /gewijzigd of aangevuld na de ondertekening/);
      assert.match((e as ExtractRejectedError).messages.en, /changed or added to after signing/);
    }
  });
});
