/**
 * DBRC's electronic seal on an extract (docs/extract-format.md, "Signed extracts"): the PDF part.
 *
 * A PAdES signature is a CMS SignedData stored as a hex string in the `/Contents` of a signature
 * dictionary, computed over the file's bytes except that hex string; `/ByteRange [a b c d]` names
 * the two signed ranges (`a…a+b` and `c…c+d`). This module finds every signature dictionary and
 * checks the byte ranges — pure arithmetic on the file's bytes, no cryptography:
 *
 * - each range list is `[0 b c d]`, ordered, inside the file, and its gap (`b…c`) is exactly the
 *   `/Contents <hex>` string of the same dictionary (nothing else is left unsigned);
 * - the signed bytes end at a revision's end (`%%EOF`);
 * - the last signature's ranges end at the end of the file: no byte after it is unsigned, so no
 *   incremental update was appended after signing (an update that changes a number, adds
 *   content, or swaps an object — a "shadow" revision — is always caught). Earlier signatures
 *   cover earlier revisions; every later revision is covered by the last signature.
 *
 * The CMS part (digest, signature, certificate chain to the environment's trust anchors at the
 * signing time) is a `SignatureVerifier` adapter's job; the policy (`off`, `verify-if-present`,
 * `required`) and what a result means for the intake is `sealedBy` below.
 */
import { rejection } from './messages.js';
import type { Message } from './types.js';

/** Per environment: ignore seals, verify a seal when there is one, or require one. */
export type SignaturePolicy = 'off' | 'verify-if-present' | 'required';
export const SIGNATURE_POLICIES: readonly SignaturePolicy[] = ['off', 'verify-if-present', 'required'];

/** Who sealed an extract: DBRC's organisation certificate (no personal data). */
export interface SealSigner {
  /** The certificate subject's CN and O (e.g. `CN=DBRC e-zegel, O=Dienst Bestuursrechtscolleges`). */
  readonly subject: string;
  /** The certificate's serial number, hex. */
  readonly serial: string;
  /** The issuing CA's CN and O. */
  readonly issuer: string;
  /** The signing time the chain was validated at (ISO 8601). */
  readonly signedAt: string;
  /**
   * Where that time comes from: an RFC 3161 signature timestamp of a trusted time-stamping
   * authority (`timestamp`), or the signer's own claim (`claimed`: `signingTime` or `/M`).
   */
  readonly timeSource?: 'timestamp' | 'claimed';
}

/** Why a seal does not verify; stable codes, shown to the clerk through `SEAL_FAULTS`. */
export type SealFault =
  | 'modified-after-signing'
  | 'byte-range'
  | 'malformed'
  | 'digest-mismatch'
  | 'bad-signature'
  | 'untrusted-certificate'
  | 'certificate-not-valid-at-signing-time'
  | 'certificate-usage'
  | 'unsupported-algorithm'
  | 'no-signing-time'
  | 'bad-timestamp';

export type SealCheck =
  | { readonly status: 'absent' }
  | { readonly status: 'valid'; readonly signer: SealSigner }
  | {
      readonly status: 'invalid';
      readonly reason: SealFault;
      /** Technical detail (English) for the audit trail; never personal data. */
      readonly detail?: string;
    };

/** What each fault means, for the clerk (the rejection message) and the operator. */
export const SEAL_FAULTS: Record<SealFault, Message> = {
  'modified-after-signing': {
    nl: 'het bestand werd gewijzigd of aangevuld na de ondertekening',
    en: 'the file was changed or added to after signing',
  },
  'byte-range': {
    nl: 'de handtekening dekt niet het volledige bestand',
    en: 'the signature does not cover the whole file',
  },
  malformed: { nl: 'de handtekening is onleesbaar', en: 'the signature cannot be read' },
  'digest-mismatch': {
    nl: 'de inhoud komt niet overeen met de handtekening',
    en: 'the content does not match the signature',
  },
  'bad-signature': { nl: 'de handtekening is niet geldig', en: 'the signature is not valid' },
  'untrusted-certificate': {
    nl: 'het certificaat van de zegel is niet uitgegeven door een vertrouwde certificaatautoriteit',
    en: "the seal's certificate was not issued by a trusted certificate authority",
  },
  'certificate-not-valid-at-signing-time': {
    nl: 'het certificaat van de zegel was niet geldig op het ogenblik van ondertekening',
    en: "the seal's certificate was not valid at the time of signing",
  },
  'certificate-usage': {
    nl: 'het certificaat van de zegel mag niet voor handtekeningen gebruikt worden',
    en: "the seal's certificate may not be used for signatures",
  },
  'unsupported-algorithm': {
    nl: 'de handtekening gebruikt een algoritme dat niet (meer) aanvaard wordt',
    en: 'the signature uses an algorithm that is not (or no longer) accepted',
  },
  'no-signing-time': {
    nl: 'de handtekening vermeldt geen tijdstip van ondertekening',
    en: 'the signature carries no signing time',
  },
  'bad-timestamp': {
    nl: 'het tijdstempel van de handtekening is niet geldig of niet van een vertrouwde tijdstempeldienst',
    en: "the signature's timestamp is not valid or not from a trusted time-stamping authority",
  },
};

/** One signature dictionary whose byte ranges are sound. */
export interface SignedRange {
  /** `[0, b, c, d]`: the signed bytes are `0…b` and `c…c+d`; `b…c` is the `/Contents` hex string. */
  readonly byteRange: readonly [number, number, number, number];
  /** The CMS SignedData (DER, the zero padding of the placeholder removed). */
  readonly cms: Uint8Array;
  /** The two signed ranges, concatenated: what the CMS signs (detached content). */
  readonly signedContent: Uint8Array;
  /** True for the signature whose ranges end at the end of the file. */
  readonly coversWholeFile: boolean;
  /** The dictionary's `/M` (ISO 8601), inside the signed bytes; the CMS signing time comes first. */
  readonly claimedTime?: string;
}

export type SignatureLayout =
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly reason: SealFault; readonly detail: string }
  | { readonly kind: 'signed'; readonly signatures: readonly SignedRange[] };

const BYTE_RANGE_TOKEN = /\/ByteRange\b/g;
const BYTE_RANGE = /^\/ByteRange\s*\[\s*(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s*\]/;
const SIG_TYPE = /\/Type\s*\/Sig\b/;
const EOF_AT_END = /%%EOF(?:\r\n|\r|\n)?$/;
const CONTENTS_BEFORE = /\/Contents\s*$/;
const HEX = /^[0-9A-Fa-f]*$/;

const invalid = (reason: SealFault, detail: string): SignatureLayout => ({ kind: 'invalid', reason, detail });

/**
 * Finds the signatures of a PDF and checks their byte ranges. `absent` when the file has no
 * signature dictionary; `invalid` when any signature's ranges are unsound or bytes after the last
 * signature are unsigned.
 */
export function locateSignatures(bytes: Uint8Array): SignatureLayout {
  const text = latin1(bytes);
  const positions = [...text.matchAll(BYTE_RANGE_TOKEN)].map((m) => m.index);
  if (positions.length === 0) {
    return SIG_TYPE.test(text)
      ? invalid('malformed', 'a signature dictionary without /ByteRange')
      : { kind: 'absent' };
  }
  const seen = new Set<string>();
  const found: SignedRange[] = [];
  for (const at of positions) {
    const m = BYTE_RANGE.exec(text.slice(at, at + 80));
    if (!m) return invalid('byte-range', 'a /ByteRange that is not four whole numbers');
    const [a, b, c, d] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
    const key = `${a} ${b} ${c} ${d}`;
    if (seen.has(key)) continue; // the same dictionary written again by a later revision
    seen.add(key);
    const checked = checkRange(bytes, text, at, [a, b, c, d]);
    if ('kind' in checked) return checked;
    found.push(checked);
  }
  const end = Math.max(...found.map((s) => s.byteRange[2] + s.byteRange[3]));
  if (end !== bytes.length) {
    return invalid(
      'modified-after-signing',
      `${bytes.length - end} bytes after the last signed revision are not covered by any signature`,
    );
  }
  return {
    kind: 'signed',
    signatures: found
      .map((s) => ({ ...s, coversWholeFile: s.byteRange[2] + s.byteRange[3] === bytes.length }))
      .sort((x, y) => x.byteRange[2] + x.byteRange[3] - (y.byteRange[2] + y.byteRange[3])),
  };
}

function checkRange(
  bytes: Uint8Array,
  text: string,
  at: number,
  [a, b, c, d]: [number, number, number, number],
): SignedRange | SignatureLayout {
  if (a !== 0)
    return invalid('byte-range', 'the first signed range does not start at the beginning of the file');
  if (!(b > 0 && c > b + 1 && d > 0))
    return invalid('byte-range', 'the signed ranges are empty or out of order');
  if (c + d > bytes.length) return invalid('byte-range', 'a signed range reaches beyond the end of the file');
  // The gap is exactly the hex string of this dictionary's /Contents: `<…>`, hex digits only.
  if (text[b] !== '<' || text[c - 1] !== '>') {
    return invalid('byte-range', 'the unsigned gap is not the /Contents hex string');
  }
  const hex = text.slice(b + 1, c - 1);
  if (!HEX.test(hex) || hex.length % 2 !== 0) {
    return invalid('byte-range', 'the unsigned gap holds more than the /Contents hex string');
  }
  if (!CONTENTS_BEFORE.test(text.slice(Math.max(0, b - 64), b))) {
    return invalid('byte-range', 'the unsigned gap is not preceded by /Contents');
  }
  // The /ByteRange and the /Contents belong to one object: no object boundary between them.
  const [from, to] = at < b ? [at, b] : [c, at];
  if (/\bendobj\b|\bobj\b/.test(text.slice(from, to))) {
    return invalid('byte-range', '/ByteRange and /Contents are not in the same dictionary');
  }
  // The signature dictionary is itself signed (it is not in the gap and not after the ranges).
  if (at >= c + d)
    return invalid('byte-range', 'the signature dictionary lies outside its own signed ranges');
  if (!EOF_AT_END.test(text.slice(Math.max(0, c + d - 8), c + d))) {
    return invalid('byte-range', 'the signed ranges do not end at the end of a revision (%%EOF)');
  }
  const cms = derPrefix(hexBytes(hex));
  if (!cms)
    return invalid('malformed', '/Contents is not a DER-encoded CMS structure followed by zero padding');
  const signedContent = new Uint8Array(b + d);
  signedContent.set(bytes.subarray(0, b), 0);
  signedContent.set(bytes.subarray(c, c + d), b);
  const claimedTime = dictionaryTime(text, at, b, c);
  return {
    byteRange: [a, b, c, d],
    cms,
    signedContent,
    coversWholeFile: false,
    ...(claimedTime ? { claimedTime } : {}),
  };
}

/** The DER value at the start of `der` (a SEQUENCE), provided everything after it is zero padding. */
function derPrefix(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 2 || der[0] !== 0x30) return undefined;
  const first = der[1]!;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[2 + i]!;
    header = 2 + n;
  }
  const total = header + length;
  if (total > der.length) return undefined;
  for (let i = total; i < der.length; i++) if (der[i] !== 0) return undefined;
  return der.subarray(0, total);
}

/** `/M (D:YYYYMMDDHHmmSS+hh'mm')` of the dictionary holding the /ByteRange at `at`, as ISO 8601. */
function dictionaryTime(text: string, at: number, b: number, c: number): string | undefined {
  const start = Math.max(text.lastIndexOf(' obj', at), 0);
  const endAt = text.indexOf('endobj', Math.max(at, c));
  const object = text.slice(start, b) + text.slice(c, endAt < 0 ? c + 4096 : endAt);
  const m = /\/M\s*\(D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?\)/.exec(
    object,
  );
  if (!m) return undefined;
  const offset = m[8] ? `${m[8]}${m[9]}:${m[10] ?? '00'}` : 'Z';
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${offset}`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder('latin1').decode(bytes);
}

/**
 * What a seal check means for the intake under a policy: the signer to record (valid), nothing
 * (no seal and none required), or a rejection — `SIGNATURE_MISSING` when the policy requires a
 * seal and there is none, `SIGNATURE_INVALID` when there is one that does not verify.
 */
export function sealedBy(policy: Exclude<SignaturePolicy, 'off'>, check: SealCheck): SealSigner | undefined {
  switch (check.status) {
    case 'valid':
      return check.signer;
    case 'absent':
      if (policy === 'required') throw rejection('SIGNATURE_MISSING', 'file');
      return undefined;
    case 'invalid':
      throw rejection('SIGNATURE_INVALID', 'file', { rule: SEAL_FAULTS[check.reason] });
  }
}

/** The signer as audit-record details (flat strings). */
export function sealDetails(signer: SealSigner | undefined): Record<string, string> {
  return signer
    ? {
        sealSubject: signer.subject,
        sealSerial: signer.serial,
        sealIssuer: signer.issuer,
        sealSignedAt: signer.signedAt,
        ...(signer.timeSource ? { sealTimeSource: signer.timeSource } : {}),
      }
    : {};
}
