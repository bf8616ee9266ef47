/**
 * The seal check end to end on real signed extracts (shared/adapters/signature/pkijs-verifier.ts):
 * a test CA and seal certificate made in code, extracts signed PAdES-style, and the tampering the
 * issue lists — an incremental update changing a credit number, a byte-range gap, a range that
 * stops before the end, an expired or foreign certificate, one byte flipped in the signed range.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PkijsSignatureVerifier, parseTrustAnchors } from '../../shared/adapters/signature/pkijs-verifier.js';
import type { SealCheck } from '../../shared/domain/pdf-signature.js';
import { exampleSpec, renderExtract } from '../fixtures/extract-pdf.js';
import {
  byteRangeOf,
  flipByte,
  makeCa,
  makeSealCert,
  makeTsaCert,
  overrideContent,
  signPdf,
  testPki,
  type TestPki,
} from '../fixtures/signed-pdf.js';

const SIGNED_AT = new Date('2026-11-01T10:00:00Z');
const reason = (c: SealCheck) => (c.status === 'invalid' ? c.reason : c.status);

describe('seal verifier (pkijs)', () => {
  let pki: TestPki;
  let unsigned: Uint8Array;
  let signed: Uint8Array;
  let verifier: PkijsSignatureVerifier;

  before(async () => {
    pki = await testPki();
    unsigned = await renderExtract({ ...exampleSpec(), totals: 'absent' }, 'pdf-lib');
    signed = await signPdf(unsigned, { signer: pki.seal, signingTime: SIGNED_AT });
    verifier = new PkijsSignatureVerifier(pki.ca.pem);
  });

  it('a sealed extract verifies; the signer is the seal certificate, at its signing time', async () => {
    assert.deepEqual(await verifier.verify(signed), {
      status: 'valid',
      signer: {
        subject: 'CN=DBRC e-zegel, O=Dienst Bestuursrechtscolleges (test)',
        serial: '2a17',
        issuer: 'CN=DBRC Test Root CA, O=Dienst Bestuursrechtscolleges (test)',
        signedAt: SIGNED_AT.toISOString(),
        timeSource: 'claimed',
      },
    });
  });

  describe('RFC 3161 signature timestamps', () => {
    const STAMPED_AT = new Date('2026-11-01T10:00:30Z');

    it('a trusted timestamp gives the signing time: the chain is validated at it, not at the claimed time', async () => {
      const tsa = await makeTsaCert(pki.ca);
      const stamped = await signPdf(unsigned, {
        signer: pki.seal,
        signingTime: SIGNED_AT,
        timestamp: { tsa, at: STAMPED_AT },
      });
      const check = await verifier.verify(stamped);
      assert.equal(check.status, 'valid');
      if (check.status === 'valid') {
        assert.equal(check.signer.signedAt, STAMPED_AT.toISOString());
        assert.equal(check.signer.timeSource, 'timestamp');
      }
    });

    it('a seal certificate expired by the timestamp’s time is refused, whatever time the signer claims', async () => {
      const shortLived = await makeSealCert(pki.ca, {
        cn: 'DBRC e-zegel',
        o: 'Dienst Bestuursrechtscolleges (test)',
        notAfter: new Date('2026-06-30T00:00:00Z'),
      });
      const tsa = await makeTsaCert(pki.ca);
      const backdated = await signPdf(unsigned, {
        signer: shortLived,
        signingTime: new Date('2026-06-01T00:00:00Z'),
        timestamp: { tsa, at: STAMPED_AT },
      });
      assert.equal(reason(await verifier.verify(backdated)), 'certificate-not-valid-at-signing-time');
      // Without the timestamp the claimed time would have let it pass: the timestamp is what refuses it.
      const claimedOnly = await signPdf(unsigned, {
        signer: shortLived,
        signingTime: new Date('2026-06-01T00:00:00Z'),
      });
      assert.equal((await verifier.verify(claimedOnly)).status, 'valid');
    });

    it('a timestamp over other bytes, from an untrusted TSA, from a certificate not for time stamping, with SHA-1, or earlier than the claimed time: refused, never ignored', async () => {
      const tsa = await makeTsaCert(pki.ca);
      const foreignCa = await makeCa({ cn: 'Other Root' });
      const foreignTsa = await makeTsaCert(foreignCa);
      const notTsa = await makeTsaCert(pki.ca, { extKeyUsage: ['1.3.6.1.5.5.7.3.4'] });
      const cases: [string, Parameters<typeof signPdf>[1], string][] = [
        [
          'other bytes',
          { signer: pki.seal, signingTime: SIGNED_AT, timestamp: { tsa, at: STAMPED_AT, imprint: 'other' } },
          'bad-timestamp',
        ],
        [
          'foreign TSA',
          { signer: pki.seal, signingTime: SIGNED_AT, timestamp: { tsa: foreignTsa, at: STAMPED_AT } },
          'bad-timestamp',
        ],
        [
          'not a TSA',
          { signer: pki.seal, signingTime: SIGNED_AT, timestamp: { tsa: notTsa, at: STAMPED_AT } },
          'bad-timestamp',
        ],
        [
          'SHA-1 imprint',
          { signer: pki.seal, signingTime: SIGNED_AT, timestamp: { tsa, at: STAMPED_AT, imprint: 'sha1' } },
          'unsupported-algorithm',
        ],
        [
          'stamped before the claimed time',
          {
            signer: pki.seal,
            signingTime: SIGNED_AT,
            timestamp: { tsa, at: new Date('2026-10-01T00:00:00Z') },
          },
          'bad-timestamp',
        ],
      ];
      for (const [what, options, expected] of cases) {
        assert.equal(reason(await verifier.verify(await signPdf(unsigned, options))), expected, what);
      }
    });
  });

  it('an unsigned extract has no seal', async () => {
    assert.deepEqual(await verifier.verify(unsigned), { status: 'absent' });
  });

  it('(1) an incremental update after signing that changes a credit number: modified after signing', async () => {
    const tampered = await overrideContent(
      signed,
      'Studiepunten teruggegeven: 12',
      'Studiepunten teruggegeven: 15',
    );
    assert.equal(reason(await verifier.verify(tampered)), 'modified-after-signing');
  });

  it('(2) a byte range with a gap beyond /Contents, or stopping before the end: refused', async () => {
    // The CMS signs exactly the ranges written, so only the range rules can catch these.
    const gap = await signPdf(unsigned, {
      signer: pki.seal,
      signingTime: SIGNED_AT,
      byteRange: ([a, b, c, d]) => [a, b - 12, c, d],
    });
    assert.equal(reason(await verifier.verify(gap)), 'byte-range');
    const short = await signPdf(unsigned, {
      signer: pki.seal,
      signingTime: SIGNED_AT,
      byteRange: ([a, b, c, d]) => [a, b, c, d - 20],
    });
    assert.notEqual((await verifier.verify(short)).status, 'valid');
  });

  it('(3) a seal certificate expired at the signing time: not valid at signing time', async () => {
    const expired = await makeSealCert(pki.ca, {
      cn: 'DBRC e-zegel',
      o: 'Dienst Bestuursrechtscolleges (test)',
      notBefore: new Date('2021-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
    });
    const file = await signPdf(unsigned, { signer: expired, signingTime: SIGNED_AT });
    assert.equal(reason(await verifier.verify(file)), 'certificate-not-valid-at-signing-time');
    // The same certificate, used while it was valid, verifies: validity is judged at signing time.
    const earlier = await signPdf(unsigned, {
      signer: expired,
      signingTime: new Date('2024-06-01T00:00:00Z'),
    });
    assert.equal((await verifier.verify(earlier)).status, 'valid');
  });

  it('(4) a certificate from a foreign CA — even one copying the trusted CA’s name: untrusted', async () => {
    const foreign = await makeCa({
      cn: 'DBRC Test Root CA',
      o: 'Dienst Bestuursrechtscolleges (test)',
      serial: 1,
    });
    const seal = await makeSealCert(foreign, {
      cn: 'DBRC e-zegel',
      o: 'Dienst Bestuursrechtscolleges (test)',
    });
    const file = await signPdf(unsigned, { signer: seal, chain: [foreign], signingTime: SIGNED_AT });
    assert.equal(reason(await verifier.verify(file)), 'untrusted-certificate');
    // …and trusted where that CA is the anchor: the failure is the anchor, not the file.
    assert.equal((await new PkijsSignatureVerifier(foreign.pem).verify(file)).status, 'valid');
  });

  it('(5) property: any byte changed inside the signed ranges makes the seal invalid', async () => {
    const [, b, c, d] = byteRangeOf(signed);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 0, max: b - 1 }), fc.integer({ min: c, max: c + d - 1 })),
        async (at) => (await verifier.verify(flipByte(signed, at))).status === 'invalid',
      ),
      { numRuns: 60 },
    );
  });

  it('a certificate whose key usage does not allow signatures: refused', async () => {
    const encipherOnly = await makeSealCert(pki.ca, { cn: 'DBRC encryption', keyUsage: 0x20 });
    const file = await signPdf(unsigned, { signer: encipherOnly, signingTime: SIGNED_AT });
    assert.equal(reason(await verifier.verify(file)), 'certificate-usage');
  });

  it('without a signingTime attribute the dictionary’s /M (inside the signed bytes) is the signing time', async () => {
    const file = await signPdf(unsigned, { signer: pki.seal, signingTime: null });
    const check = await verifier.verify(file);
    assert.equal(check.status, 'valid');
  });

  it('a signing time in the future is refused', async () => {
    const file = await signPdf(unsigned, {
      signer: pki.seal,
      signingTime: new Date(Date.now() + 86_400_000),
    });
    assert.equal(reason(await verifier.verify(file)), 'no-signing-time');
  });

  it('a trust anchor bundle without a certificate is a configuration error', () => {
    assert.throws(() => parseTrustAnchors('not a pem'), /no PEM certificate/);
    assert.throws(() => parseTrustAnchors('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'));
    assert.equal(parseTrustAnchors(pki.ca.pem + pki.seal.pem).length, 2);
  });
});
