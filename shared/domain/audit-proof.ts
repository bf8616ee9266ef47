/**
 * The inclusion proof of one audit record: the record's hash, its place in the Merkle tree of
 * the sealed records, the audit path, and the signed checkpoint whose tree head it leads to.
 * Verified offline with the signing key's public key alone (`verifyRecordProof`), and, given the
 * record as stored, that it is the record the log holds.
 */
import { canonicalBytes, parseCheckpointBody, recordHash, type SignatureCheck } from './audit-chain.js';
import { verifyInclusion } from './merkle.js';

export interface RecordProof {
  readonly recordId: string;
  /** SHA-256 of the record's canonical JSON (the leaf). */
  readonly recordHash: string;
  /** The record's place among all sealed records (0-based, chain order). */
  readonly leafIndex: number;
  /** RFC 9162 audit path from the leaf to the head's root. */
  readonly proof: readonly string[];
  /** The signed checkpoint whose tree head (size, root) the path leads to. */
  readonly head: {
    readonly sequence: number;
    readonly body: unknown;
    /** Base64 DER ECDSA P-256 signature over the body's canonical JSON. */
    readonly signature: string;
  };
}

export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Checks a record proof with nothing but the public key: the head's signature, the head's shape,
 * the audit path up to the signed root — and, when `record` is given, that it hashes to the leaf.
 */
export function verifyRecordProof(
  proof: RecordProof,
  verifySignature: SignatureCheck,
  record?: object,
): ProofCheck {
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(proof.head.body);
  } catch {
    return { ok: false, reason: 'the head is unreadable' };
  }
  const signature = Buffer.from(String(proof.head.signature), 'base64');
  if (!verifySignature(bytes, signature))
    return { ok: false, reason: 'the head’s signature does not verify' };
  const parsed = parseCheckpointBody(proof.head.body);
  if ('error' in parsed) return { ok: false, reason: `the head is malformed: ${parsed.error}` };
  const tree = parsed.body.tree;
  if (!tree) return { ok: false, reason: 'the head carries no tree' };
  if (parsed.body.sequence !== proof.head.sequence)
    return { ok: false, reason: 'the head is filed under another sequence' };
  if (
    !Array.isArray(proof.proof) ||
    !verifyInclusion(proof.leafIndex, tree.size, proof.recordHash, proof.proof, tree.root)
  )
    return { ok: false, reason: 'the audit path does not lead to the signed root' };
  if (record !== undefined && recordHash(record) !== proof.recordHash)
    return { ok: false, reason: 'the record does not hash to the proven leaf (altered)' };
  return { ok: true };
}
