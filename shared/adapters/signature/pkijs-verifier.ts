/**
 * `SignatureVerifier` with pkijs (CMS, X.509 path validation) over WebCrypto: the CMS part of a
 * PAdES seal. The PDF part — where the signatures are, whether their byte ranges cover the whole
 * file — is the domain's `locateSignatures`; this adapter checks each signature it finds:
 *
 * 1. `/Contents` is one DER ContentInfo holding a SignedData with exactly one signer, detached
 *    content (`id-data`), a SHA-256/384/512 digest and signed attributes (content type `id-data`,
 *    message digest);
 * 2. the message digest equals the digest of the signed byte ranges;
 * 3. the signing time is the `genTime` of an RFC 3161 signature timestamp (unsigned attribute
 *    `id-aa-signatureTimeStampToken`) when there is one: its imprint is the digest of this
 *    signature's value, its token verifies and its TSA certificate (extended key usage
 *    timeStamping) chains to a trust anchor at that time, and the signer's claimed time is not
 *    later; else the signed `signingTime` attribute, else the dictionary's `/M` (inside the
 *    signed bytes); never in the future;
 * 4. the signature over the signed attributes verifies with the signer certificate's key, and the
 *    signer certificate chains (signatures, names, CA flags, validity of every certificate at the
 *    signing time) to one of the environment's trust anchors;
 * 5. the signer certificate may sign (key usage digitalSignature or nonRepudiation, when present).
 *
 * Not checked: revocation (no CRL or OCSP is fetched; revocation data embedded in the CMS is used
 * by pkijs when present), PAdES long-term validation data (DSS, document timestamps), DocMDP
 * permissions.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  locateSignatures,
  type SealCheck,
  type SealFault,
  type SealSigner,
  type SignedRange,
} from '../../domain/pdf-signature.js';
import type { SignatureVerifier } from '../../ports/index.js';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  extKeyUsage: '2.5.29.37',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  keyUsage: '2.5.29.15',
  commonName: '2.5.4.3',
  organisation: '2.5.4.10',
} as const;

/** Accepted digest algorithms (SHA-1 and MD5 are not). */
const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** A signing time this far ahead of the verifier's clock is refused (clock skew allowance). */
const FUTURE_SKEW_MS = 5 * 60_000;

const engine = new pkijs.CryptoEngine({ name: 'node', crypto: globalThis.crypto });
pkijs.setEngine('node', engine);

class Fault extends Error {
  constructor(
    readonly reason: SealFault,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Parses a PEM bundle (one or more `CERTIFICATE` blocks) into certificates; throws on anything else. */
export function parseTrustAnchors(pem: string): pkijs.Certificate[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  if (blocks.length === 0) throw new Error('the trust anchor bundle holds no PEM certificate');
  return blocks.map((b, i) => {
    try {
      const der = Buffer.from(b[1]!.replace(/\s+/g, ''), 'base64');
      return pkijs.Certificate.fromBER(der);
    } catch (e) {
      throw new Error(`trust anchor ${i + 1} is not a certificate: ${(e as Error).message}`, { cause: e });
    }
  });
}

export class PkijsSignatureVerifier implements SignatureVerifier {
  private readonly anchors: pkijs.Certificate[];

  constructor(
    trustAnchorsPem: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.anchors = parseTrustAnchors(trustAnchorsPem);
  }

  async verify(bytes: Uint8Array): Promise<SealCheck> {
    const layout = locateSignatures(bytes);
    if (layout.kind === 'absent') return { status: 'absent' };
    if (layout.kind === 'invalid') return { status: 'invalid', reason: layout.reason, detail: layout.detail };
    let signer: SealSigner | undefined;
    for (const signature of layout.signatures) {
      try {
        const s = await this.verifyOne(signature);
        if (signature.coversWholeFile) signer = s;
      } catch (e) {
        if (e instanceof Fault) return { status: 'invalid', reason: e.reason, detail: e.detail };
        throw e;
      }
    }
    if (!signer)
      return { status: 'invalid', reason: 'byte-range', detail: 'no signature covers the whole file' };
    return { status: 'valid', signer };
  }

  private async verifyOne(signature: SignedRange): Promise<SealSigner> {
    const signedData = parseSignedData(signature.cms);
    if (signedData.signerInfos.length !== 1) {
      throw new Fault('malformed', `${signedData.signerInfos.length} signers instead of one`);
    }
    const signerInfo = signedData.signerInfos[0]!;
    if (signedData.encapContentInfo.eContent || signedData.encapContentInfo.eContentType !== OID.data) {
      throw new Fault('malformed', 'the CMS content is not detached id-data');
    }
    const digestName = DIGESTS[signerInfo.digestAlgorithm.algorithmId];
    if (!digestName) {
      throw new Fault('unsupported-algorithm', `digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
    }
    const attributes = signerInfo.signedAttrs?.attributes ?? [];
    const attribute = (oid: string) => attributes.filter((a) => a.type === oid);
    const contentType = attribute(OID.contentType);
    const messageDigest = attribute(OID.messageDigest);
    if (contentType.length !== 1 || messageDigest.length !== 1) {
      throw new Fault('malformed', 'the signed attributes lack a single content type and message digest');
    }
    const typeValue: unknown = contentType[0]!.values[0];
    if (!(typeValue instanceof asn1js.ObjectIdentifier) || typeValue.valueBlock.toString() !== OID.data) {
      throw new Fault('malformed', 'the signed content type is not id-data');
    }
    const digestValue: unknown = messageDigest[0]!.values[0];
    const expected = createHash(digestName).update(signature.signedContent).digest();
    if (
      !(digestValue instanceof asn1js.OctetString) ||
      !expected.equals(Buffer.from(digestValue.valueBlock.valueHexView))
    ) {
      throw new Fault(
        'digest-mismatch',
        'the message digest differs from the digest of the signed byte ranges',
      );
    }

    const claimed = this.signingTime(attribute(OID.signingTime), signature);
    const stamped = await this.timestamp(signerInfo);
    if (stamped && claimed.getTime() > stamped.getTime() + FUTURE_SKEW_MS) {
      throw new Fault('bad-timestamp', 'the claimed signing time lies after the signature timestamp');
    }
    const signedAt = stamped ?? claimed;
    let result: pkijs.SignedDataVerifyResult;
    try {
      result = (await signedData.verify(
        {
          signer: 0,
          data: toArrayBuffer(signature.signedContent),
          trustedCerts: this.anchors,
          checkChain: true,
          checkDate: signedAt,
          extendedMode: true,
        },
        engine,
      )) as pkijs.SignedDataVerifyResult;
    } catch (e) {
      throw verifyFault(e);
    }
    if (!result.signatureVerified || !result.signerCertificate) {
      throw new Fault('bad-signature', 'the signature over the signed attributes does not verify');
    }
    const cert = result.signerCertificate;
    if (!maySign(cert)) {
      throw new Fault('certificate-usage', 'the signer certificate lacks digitalSignature/nonRepudiation');
    }
    return {
      subject: name(cert.subject),
      serial: Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex'),
      issuer: name(cert.issuer),
      signedAt: signedAt.toISOString(),
      timeSource: stamped ? 'timestamp' : 'claimed',
    };
  }

  /**
   * The time of the signature's RFC 3161 timestamp, verified; `undefined` when it has none. A
   * token that does not verify is a fault, never ignored (the claimed time would then count).
   */
  private async timestamp(signerInfo: pkijs.SignerInfo): Promise<Date | undefined> {
    const tokens = (signerInfo.unsignedAttrs?.attributes ?? []).filter(
      (a) => a.type === OID.signatureTimeStampToken,
    );
    if (tokens.length === 0) return undefined;
    if (tokens.length > 1 || tokens[0]!.values.length !== 1) {
      throw new Fault('bad-timestamp', 'more than one signature timestamp');
    }
    let token: pkijs.SignedData;
    let info: pkijs.TSTInfo;
    try {
      const content = new pkijs.ContentInfo({ schema: tokens[0]!.values[0] });
      if (content.contentType !== OID.signedData) throw new Error(`content type ${content.contentType}`);
      token = new pkijs.SignedData({ schema: content.content });
      const eContent = token.encapContentInfo.eContent;
      if (token.encapContentInfo.eContentType !== OID.tstInfo || !eContent) throw new Error('no TSTInfo');
      info = pkijs.TSTInfo.fromBER(eContent.getValue());
    } catch (e) {
      throw new Fault('bad-timestamp', `the timestamp token cannot be read (${(e as Error).message})`);
    }
    if (token.signerInfos.length !== 1) throw new Fault('bad-timestamp', 'the timestamp has not one signer');
    const imprint = info.messageImprint.hashAlgorithm.algorithmId;
    if (!DIGESTS[imprint]) throw new Fault('unsupported-algorithm', `timestamp imprint algorithm ${imprint}`);
    let result: pkijs.SignedDataVerifyResult;
    try {
      // pkijs checks the imprint against `data` and validates the chain at the token's genTime.
      result = (await token.verify(
        {
          signer: 0,
          data: toArrayBuffer(signerInfo.signature.valueBlock.valueHexView),
          trustedCerts: this.anchors,
          checkChain: true,
          extendedMode: true,
        },
        engine,
      )) as pkijs.SignedDataVerifyResult;
    } catch (e) {
      throw new Fault(
        'bad-timestamp',
        `the timestamp does not verify: ${(e as Error)?.message ?? String(e)}`,
      );
    }
    if (!result.signatureVerified || !result.signerCertificate) {
      throw new Fault('bad-timestamp', 'the timestamp signature does not verify');
    }
    if (!forTimeStamping(result.signerCertificate)) {
      throw new Fault('bad-timestamp', 'the timestamp certificate is not for time stamping');
    }
    if (info.genTime.getTime() > this.now().getTime() + FUTURE_SKEW_MS) {
      throw new Fault('bad-timestamp', `the timestamp ${info.genTime.toISOString()} lies in the future`);
    }
    return info.genTime;
  }

  private signingTime(values: pkijs.Attribute[], signature: SignedRange): Date {
    let at: Date | undefined;
    if (values.length > 1) throw new Fault('malformed', 'more than one signing time');
    const v: unknown = values[0]?.values[0];
    if (v instanceof asn1js.UTCTime || v instanceof asn1js.GeneralizedTime) at = v.toDate();
    else if (values.length === 1) throw new Fault('malformed', 'the signing time is not a time');
    else if (signature.claimedTime) at = new Date(signature.claimedTime);
    if (!at || Number.isNaN(at.getTime()))
      throw new Fault('no-signing-time', 'no signingTime attribute and no /M');
    if (at.getTime() > this.now().getTime() + FUTURE_SKEW_MS) {
      throw new Fault('no-signing-time', `the signing time ${at.toISOString()} lies in the future`);
    }
    return at;
  }
}

function parseSignedData(der: Uint8Array): pkijs.SignedData {
  try {
    const asn1 = asn1js.fromBER(toArrayBuffer(der));
    if (asn1.offset === -1) throw new Error(asn1.result.error);
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== OID.signedData) throw new Error(`content type ${info.contentType}`);
    return new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    throw new Fault('malformed', `/Contents is not a CMS SignedData (${(e as Error).message})`);
  }
}

/** pkijs's verification errors, by code (SignedData.verify) and chain-engine message. */
function verifyFault(e: unknown): Fault {
  if (!(e instanceof pkijs.SignedDataVerifyError)) {
    return new Fault('bad-signature', `verification failed: ${(e as Error)?.message ?? String(e)}`);
  }
  switch (e.code) {
    case 3:
      return new Fault('malformed', 'the signer certificate is not in the signature');
    case 5:
      return /not yet valid or expired/i.test(e.message)
        ? new Fault('certificate-not-valid-at-signing-time', e.message)
        : new Fault('untrusted-certificate', e.message);
    case 7:
      return new Fault('unsupported-algorithm', e.message);
    default:
      return new Fault('bad-signature', e.message);
  }
}

/** Key usage, when the certificate restricts it, allows digitalSignature or nonRepudiation. */
function maySign(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((x) => x.extnID === OID.keyUsage);
  if (!ext) return true;
  const bits: unknown = ext.parsedValue;
  if (!(bits instanceof asn1js.BitString)) return false;
  const first = bits.valueBlock.valueHexView[0] ?? 0;
  return (first & 0xc0) !== 0;
}

/** A time-stamping authority's certificate: extended key usage timeStamping (RFC 3161 §2.3). */
function forTimeStamping(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((x) => x.extnID === OID.extKeyUsage);
  const usage: unknown = ext?.parsedValue;
  return usage instanceof pkijs.ExtKeyUsage && usage.keyPurposes.includes(OID.timeStamping);
}

/** `CN=…, O=…` of a name (an organisation seal: no personal data). */
function name(rdn: pkijs.RelativeDistinguishedNames): string {
  const pick = (oid: string, label: string) =>
    rdn.typesAndValues
      .filter((t) => t.type === oid)
      .map((t) => `${label}=${String(t.value.valueBlock.value)}`);
  return [...pick(OID.commonName, 'CN'), ...pick(OID.organisation, 'O')].join(', ');
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
