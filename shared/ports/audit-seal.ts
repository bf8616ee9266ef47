/**
 * Ports of the audit sealer and verifier: where records are read from, who signs checkpoints,
 * and the write-once store that keeps them. See `shared/domain/audit-chain.ts` for the formats.
 */
import type { CheckpointBody, SignedCheckpoint } from '../domain/audit-chain.js';
import type { AuditRecord, AuditStatsStore } from './index.js';

export type { CheckpointBody, SignedCheckpoint } from '../domain/audit-chain.js';

/** Signs checkpoint bodies with the audit signing key (KMS ECDSA P-256 on AWS, a local EC key locally). */
export interface Signer {
  /** DER-encoded ECDSA P-256 signature over SHA-256(message). */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The public key (SPKI PEM) an auditor needs to verify offline. */
  publicKeyPem(): Promise<string>;
}

/** The write-once store of signed checkpoints (S3 Object Lock on AWS, a folder locally). */
export interface CheckpointStore {
  /**
   * Stores checkpoint `sequence`. Never overwrites: throws `CheckpointExistsError` when that
   * sequence is already stored (another sealer was first).
   */
  put(sequence: number, body: CheckpointBody, signature: Uint8Array): Promise<void>;
  /** Every stored checkpoint, ascending by the sequence it is filed under, bodies as stored (unvalidated). */
  list(): Promise<SignedCheckpoint[]>;
  /** The checkpoint with the highest sequence, or undefined when none is stored. */
  latest(): Promise<SignedCheckpoint | undefined>;
  /** One checkpoint by sequence, or undefined when it is not stored. */
  get?(sequence: number): Promise<SignedCheckpoint | undefined>;
}

/** Thrown by `CheckpointStore.put` when the sequence is taken. */
export class CheckpointExistsError extends Error {
  constructor(readonly sequence: number) {
    super(`checkpoint ${sequence} already exists`);
    this.name = 'CheckpointExistsError';
  }
}

/**
 * Reads the audit table for sealing and verification. Records come back exactly as stored
 * (unknown attributes and types included, so an edited item hashes differently); only the
 * derived index attributes (`day`, `atId`, `actorId`, `actorInstitution`) are removed, and only
 * when they agree with the record (one that disagrees is kept, so the record shows as altered).
 */
export interface AuditSource {
  /** Every record, in no particular order (consistent read). */
  all(): AsyncIterable<AuditRecord>;
  /** Records with after < at ≤ upTo (ISO instants), e.g. through the byDay index; optional. */
  between?(after: string, upTo: string): AsyncIterable<AuditRecord>;
}

/** The ports of sealing and verifying the audit trail. */
export interface AuditSealPorts {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  readonly signer: Signer;
  /** The per-day counters the sealer keeps (the auditor's chart); optional for tools and tests. */
  readonly stats?: AuditStatsStore;
}

/**
 * Signs a clerk's receipt (issue 16) as a compact JWS (ES256) with the environment's signing key
 * (KMS on AWS, the local key locally): the same key that signs tree heads, so DBRC verifies both
 * with one public key.
 */
export interface ReceiptSigner {
  /** The compact JWS of this payload (protected header `{ alg: ES256, typ, kid }`). */
  signReceipt(payload: object): Promise<string>;
  /** The public key (SPKI PEM) that verifies the receipt offline. */
  publicKeyPem(): Promise<string>;
}
