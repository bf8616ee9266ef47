/**
 * The signed receipt DBRC gets for every final outcome of an extract (issue 16): a compact JWS
 * (RFC 7515, ES256 over P-256) whose payload names the extract (intake id, SHA-256 of the bytes,
 * S3 version), the ruling, the outcome and reason code, when it was decided, who sealed the PDF,
 * and binds all of it into the audit log: the audit record of the decision as stored, its leaf
 * hash, its inclusion proof and the signed tree head it leads to (as the sealer stored it, with
 * the sealer's own signature).
 *
 * Pure: node:crypto only. `verifyReceipt` needs nothing but the receipt and two public keys (PEM
 * or JWK): the receipt key for the JWS signature, the audit log's key for the tree head's signature, the audit path to the signed root, the
 * record's hash against the proven leaf, and the record against the receipt's fields. Any changed
 * byte fails (base64url segments must be canonical: a changed padding bit is refused too).
 *
 * No personal data: no national number, no name. The audit record carries the student's keyed
 * pseudonym (an HMAC only AHOVOKS can recompute) — needed to recompute the leaf hash.
 */
import {
  createHash,
  createPublicKey,
  verify as cryptoVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { pemVerifier, recordHash } from './audit-chain.js';
import { verifyRecordProof, type RecordProof } from './audit-proof.js';

export const RECEIPT_TYPE = 'ruling-intake-receipt+jws';
export const RECEIPT_VERSION = 1;

/** The final outcomes a receipt is issued for. */
export const FINAL_OUTCOMES = ['APPLIED', 'DUPLICATE', 'REJECTED'] as const;
export type FinalOutcome = (typeof FINAL_OUTCOMES)[number];

export interface ReceiptPayload {
  readonly v: typeof RECEIPT_VERSION;
  readonly typ: 'extract-receipt';
  readonly intakeId: string;
  /** SHA-256 (hex) of the extract's bytes the decision was made on. */
  readonly sha256?: string;
  /** The S3 object version (AWS), when the store has versions. */
  readonly versionId?: string;
  readonly rulingNumber?: string;
  readonly outcome: FinalOutcome;
  readonly code?: string;
  /** When the outcome was decided (the status's last update). */
  readonly decidedAt: string;
  /** The PAdES seal on the extract, as the intake validated it. */
  readonly sealedBy?: {
    readonly subject: string;
    readonly serial: string;
    readonly issuer: string;
    readonly signedAt: string;
  };
  /** The audit record of the decision, exactly as stored (its canonical JSON is the leaf). */
  readonly auditRecord: Record<string, unknown>;
  /** Inclusion proof of that record against the sealer's signed tree head. */
  readonly proof: RecordProof;
  readonly issuedAt: string;
}

// ── base64url, strict ───────────────────────────────────────────────────────────────────────

export const b64u = (bytes: Uint8Array | string): string =>
  Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64url');

/** Decodes base64url; undefined unless the text is the canonical encoding of its bytes. */
function fromB64u(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

// ── ECDSA signature encodings ───────────────────────────────────────────────────────────────

/**
 * A DER ECDSA signature (what KMS `Sign` and node's default return) as JOSE's raw r‖s (64 bytes for
 * P-256, RFC 7518 §3.4). Throws on anything that is not a well-formed DER signature.
 */
export function derToJose(der: Uint8Array, size = 32): Uint8Array {
  const d = Buffer.from(der);
  let i = 0;
  const fail = () => {
    throw new TypeError('not a DER ECDSA signature');
  };
  if (d[i++] !== 0x30) fail();
  let len = d[i++]!;
  if (len & 0x80) {
    if (len !== 0x81) fail();
    len = d[i++]!;
  }
  if (len !== d.length - i) fail();
  const int = (): Buffer => {
    if (d[i++] !== 0x02) fail();
    const n = d[i++]!;
    if (n < 1 || n > size + 1 || i + n > d.length) fail();
    let v = d.subarray(i, i + n);
    i += n;
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > size) fail();
    return Buffer.concat([Buffer.alloc(size - v.length), v]);
  };
  const r = int();
  const s = int();
  if (i !== d.length) fail();
  return Buffer.concat([r, s]);
}

// ── the JWS ─────────────────────────────────────────────────────────────────────────────────

/** The protected header of every receipt. */
export function receiptHeader(kid?: string): Record<string, string> {
  return { alg: 'ES256', typ: RECEIPT_TYPE, ...(kid ? { kid } : {}) };
}

/** The bytes a receipt's signature covers: `b64u(header).b64u(payload)` (RFC 7515 §5.1). */
export function signingInput(header: object, payload: ReceiptPayload): string {
  return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
}

export type ReceiptCheck =
  { readonly ok: true; readonly payload: ReceiptPayload } | { readonly ok: false; readonly reason: string };

export function publicKeyOf(key: PublicKeyInput): KeyObject {
  const k =
    typeof key === 'string'
      ? key.trim().startsWith('{')
        ? createPublicKey({ key: JSON.parse(key) as JsonWebKey, format: 'jwk' })
        : createPublicKey(key)
      : 'type' in key && typeof (key as KeyObject).export === 'function'
        ? (key as KeyObject)
        : createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
  if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new TypeError('the signing key must be an EC P-256 public key');
  return k;
}

const fail = (reason: string): ReceiptCheck => ({ ok: false, reason });

export type PublicKeyInput = string | JsonWebKey | KeyObject;

/**
 * The two public keys a receipt is checked with: the receipt key (the JWS; the clerk API signs
 * with it) and the audit log's key (the tree head; only the sealer signs with it). Two keys, so
 * whoever can sign receipts still cannot make an inclusion proof verify.
 */
export interface ReceiptKeys {
  readonly receipt: PublicKeyInput;
  readonly log: PublicKeyInput;
}

/** RFC 7638 thumbprint (base64url SHA-256 of the canonical JWK) of an EC public key: a JWS `kid`. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { crv?: string; kty?: string; x?: string; y?: string };
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The PEM blocks of a file (a key bundle may hold several, with text between them). */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g)].map(
    (m) => `${m[0]}\n`,
  );
}

/**
 * The receipt and log keys from a bundle of public keys (`receipt --public-key-out` writes both):
 * the receipt key is the one the JWS header's `kid` names, the log key another one; without a
 * match, the first two in their order (the receipt then fails to verify, with its reason).
 * Undefined with fewer than two distinct usable keys.
 */
export function keysForReceipt(jws: string, pems: readonly string[]): ReceiptKeys | undefined {
  let kid: unknown;
  try {
    kid = (JSON.parse(fromB64u(jws.trim().split('.')[0] ?? '')?.toString('utf8') ?? '') as { kid?: unknown })
      .kid;
  } catch {
    kid = undefined;
  }
  const keys: KeyObject[] = [];
  for (const pem of pems) {
    try {
      const k = publicKeyOf(pem);
      if (!keys.some((seen) => jwkThumbprint(seen) === jwkThumbprint(k))) keys.push(k);
    } catch {
      // not a usable P-256 key: skipped
    }
  }
  if (keys.length < 2) return undefined;
  const named = keys.findIndex((k) => jwkThumbprint(k) === kid);
  const receipt = keys[named >= 0 ? named : 0]!;
  const log = keys.find((k) => k !== receipt)!;
  return { receipt, log };
}

/**
 * Verifies a receipt offline with the two public keys alone (SPKI PEM, JWK as object or JSON
 * text). Checks, in order: the two keys differ, the JWS's form and ES256 signature (receipt key),
 * the payload's shape, the tree head's own signature (log key) and the audit path to its root,
 * the record's hash against the proven leaf, and that the record is the decision the receipt
 * states (id, intake, outcome, code, ruling, file, seal).
 */
export function verifyReceipt(jws: string, keys: ReceiptKeys): ReceiptCheck {
  let key: KeyObject;
  let logKey: KeyObject;
  try {
    key = publicKeyOf(keys.receipt);
    logKey = publicKeyOf(keys.log);
  } catch (e) {
    return fail(`a public key is unusable: ${(e as Error).message}`);
  }
  if (jwkThumbprint(key) === jwkThumbprint(logKey))
    return fail('the receipt key and the audit log key must be two different keys');
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return fail('the receipt is not a compact JWS (three dot-separated parts)');
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = fromB64u(h);
  const payloadBytes = fromB64u(p);
  const signature = fromB64u(s);
  if (!headerBytes || !payloadBytes || !signature) return fail('the receipt is not valid base64url');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('the receipt header is not JSON');
  }
  if (header.alg !== 'ES256' || header.typ !== RECEIPT_TYPE || 'crit' in header)
    return fail('the receipt header is not an ES256 ruling-intake receipt');
  if (signature.length !== 64) return fail('the receipt signature is not an ES256 signature');
  let valid: boolean;
  try {
    valid = cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    valid = false;
  }
  if (!valid) return fail('the receipt signature does not verify with the receipt key');
  let payload: ReceiptPayload;
  try {
    payload = JSON.parse(payloadBytes.toString('utf8')) as ReceiptPayload;
  } catch {
    return fail('the receipt payload is not JSON');
  }
  const shape = payloadProblem(payload);
  if (shape) return fail(`the receipt payload is malformed: ${shape}`);
  const proofCheck = verifyRecordProof(payload.proof, pemVerifier(logKey));
  if (!proofCheck.ok) return fail(`the inclusion proof fails: ${proofCheck.reason}`);
  if (recordHash(payload.auditRecord) !== payload.proof.recordHash)
    return fail('the audit record does not hash to the proven leaf');
  const mismatch = recordMismatch(payload);
  if (mismatch) return fail(`the audit record does not match the receipt: ${mismatch}`);
  return { ok: true, payload };
}

function payloadProblem(x: ReceiptPayload): string | undefined {
  if (!x || typeof x !== 'object') return 'not an object';
  if (x.v !== RECEIPT_VERSION || x.typ !== 'extract-receipt') return 'unknown version';
  if (typeof x.intakeId !== 'string' || !x.intakeId) return 'no intake id';
  if (!(FINAL_OUTCOMES as readonly string[]).includes(x.outcome)) return 'no final outcome';
  if (typeof x.decidedAt !== 'string') return 'no decision time';
  if (x.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(x.sha256)) return 'bad sha256';
  if (!x.auditRecord || typeof x.auditRecord !== 'object' || Array.isArray(x.auditRecord))
    return 'no audit record';
  if (!x.proof || typeof x.proof !== 'object' || !x.proof.head) return 'no inclusion proof';
  return undefined;
}

/** What in the audit record contradicts the receipt's own fields (undefined when none). */
function recordMismatch(x: ReceiptPayload): string | undefined {
  const r = x.auditRecord as {
    id?: unknown;
    outcome?: unknown;
    details?: Record<string, unknown>;
  };
  const d = r.details ?? {};
  if (r.id !== x.proof.recordId) return 'record id';
  if (d.intakeId !== x.intakeId) return 'intake id';
  if (typeof r.outcome !== 'string' || r.outcome.split(':')[0] !== x.outcome) return 'outcome';
  if (d.code !== undefined && d.code !== x.code) return 'reason code';
  if (d.rulingNumber !== undefined && d.rulingNumber !== x.rulingNumber) return 'ruling number';
  // The sealed record names the bytes decided: a receipt must claim the same file.
  if (d.sha256 !== undefined && d.sha256 !== x.sha256) return 'extract SHA-256';
  if (d.versionId !== undefined && d.versionId !== x.versionId) return 'object version';
  if (d.sealSerial !== undefined) {
    const s = x.sealedBy;
    if (
      !s ||
      d.sealSubject !== s.subject ||
      d.sealSerial !== s.serial ||
      d.sealIssuer !== s.issuer ||
      d.sealSignedAt !== s.signedAt
    )
      return 'seal';
  }
  return undefined;
}
