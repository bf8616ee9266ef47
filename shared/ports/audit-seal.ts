/**
 * Ports of the audit sealer and verifier: where records are read from, who signs checkpoints,
 * and the write-once store that keeps them. See `shared/domain/audit-chain.ts` for the formats.
 */
import type { CheckpointBody, SignedCheckpoint } from '../domain/audit-chain.js';
import type { DayBundle } from '../domain/audit-days.js';
import type { AuditRecord, AuditStatsStore } from './index.js';
import type { AlertThresholds } from '../domain/audit-alerts.js';
import type { TileMap, TileRef, TileWrite } from '../domain/merkle-tiles.js';

export type { CheckpointBody, SignedCheckpoint } from '../domain/audit-chain.js';
export type { DayBundle } from '../domain/audit-days.js';

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
  /**
   * Day bundles (`shared/domain/audit-days.ts`), optional: stores one, write-once
   * (`CheckpointExistsError` when a bundle ending at `bundle.last` exists).
   */
  putDay?(bundle: DayBundle): Promise<void>;
  /** The stored bundle that would hold `sequence`: the first ending at or after it; undefined when none. */
  dayHolding?(sequence: number): Promise<DayBundle | undefined>;
  /** The last sequence of the newest stored bundle, 0 when none. */
  lastDayEnd?(): Promise<number>;
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
  /** One record by id, as stored (one GetItem), or undefined; optional. */
  get?(id: string): Promise<AuditRecord | undefined>;
  /**
   * The id, time and day partition (`between`'s index attribute, undefined when the record has
   * none) of every record in slice `index` of `slices` (a DynamoDB parallel Scan segment,
   * projected): the full verification's sweep for records `between` never shows — dated before
   * the log began, without a time, or filed under no or another day. Optional; each slice is read
   * in bounded memory, so the sweep resumes slice by slice across runs.
   */
  slice?(index: number, slices: number): AsyncIterable<SweptRecord>;
}

/** What the full verification's sweep reads of a record. */
export interface SweptRecord {
  readonly id: unknown;
  readonly at: unknown;
  readonly day: unknown;
}

/**
 * The last signed head a verification found intact (control table on AWS and locally): the next
 * incremental verification starts from it. Written only after a successful check.
 */
export interface VerifiedHead {
  /** The checkpoint (its sequence is its key in the checkpoint store). */
  readonly sequence: number;
  readonly size: number;
  readonly root: string;
  readonly cutoff: string;
  /** `checkpointHash` of the checkpoint's body, and its signature (base64 DER). */
  readonly checkpointHash: string;
  readonly signature: string;
  readonly verifiedAt: string;
}

export interface VerifiedHeadStore {
  get(): Promise<VerifiedHead | undefined>;
  /**
   * Moves the pointer to `head` only when it still points at `fromSequence` (null: none stored)
   * and `head` is later; false when another verifier moved it first.
   */
  advance(head: VerifiedHead, fromSequence: number | null): Promise<boolean>;
}

/** The progress of the full re-verification, stored between runs so it resumes where it stopped. */
export interface FullVerificationProgress {
  readonly status: 'requested' | 'running';
  readonly requestedAt: string;
  readonly startedAt?: string;
  /** The next checkpoint sequence to read. */
  readonly nextSequence: number;
  /** The last checkpoint to verify: the newest when the job started (0 before it starts). */
  readonly untilSequence?: number;
  /** The last checkpoint read (JSON of a `ChainAnchor`), absent before the first. */
  readonly anchor?: string;
  readonly checkedCheckpoints: number;
  readonly checkedRecords: number;
  readonly expired: number;
  readonly problemCount: number;
  /** JSON array of the first problems found (at most `FULL_VERIFICATION_PROBLEMS_KEPT`). */
  readonly problems: string;
  /**
   * The sweep after the checkpoints (`AuditSource.slice`): the next slice to read (absent until
   * the checkpoints are done), the instant at or before which a record predates the log, and the
   * records swept so far.
   */
  readonly nextSlice?: number;
  readonly strayBefore?: string;
  readonly sweptRecords?: number;
}

/** A finished full verification: the result and its signature by the audit signing key. */
export interface SignedFullVerification {
  /** Canonical-JSON-able result (`FullVerificationResult`). */
  readonly result: unknown;
  /** Base64 DER ECDSA P-256 signature over `canonicalBytes(result)`. */
  readonly signature: string;
}

export interface FullVerificationStore {
  /** The job in progress (requested or running), if any. */
  progress(): Promise<FullVerificationProgress | undefined>;
  /** Stores a request unless one is in progress; false when one already is. */
  request(at: string): Promise<boolean>;
  /** Saves progress after a batch of checkpoints. */
  save(progress: FullVerificationProgress): Promise<void>;
  /** Stores the signed result and ends the job in progress. */
  finish(result: SignedFullVerification): Promise<void>;
  /** The last finished result, if any. */
  lastResult(): Promise<SignedFullVerification | undefined>;
}

/**
 * How far the Merkle tiles reach: the tree of `size` leaves of checkpoint `sequence` (whose signed
 * root is `root`). Proofs are built against that checkpoint; the sealer continues from it.
 */
export interface TilePointer {
  readonly sequence: number;
  readonly size: number;
  readonly root: string;
  /** That checkpoint's cutoff: a record sealed after it is beyond the tiles. */
  readonly cutoff: string;
}

/**
 * The Merkle tree's tiles (`shared/domain/merkle-tiles.ts`) and their pointer: control-table items
 * on AWS and locally (dynalite), written by the sealer only. Untrusted: every proof built from them
 * is verified against a signed root before it is served.
 */
export interface MerkleTileStore {
  pointer(): Promise<TilePointer | undefined>;
  /** These tiles, by `tileKey`; an absent one is left out. One read per tile. */
  read(tiles: readonly TileRef[]): Promise<TileMap>;
  /**
   * Stores the tiles (a tile is never replaced by a shorter one: full tiles and the prefix of a
   * partial one never change), THEN moves the pointer to `to` only when it still is at checkpoint
   * `from` (null: none stored) — a crash in between leaves tiles ahead of the pointer, harmless, rewritten
   * identically by the next run. False when another writer moved the pointer first.
   */
  write(tiles: readonly TileWrite[], to: TilePointer, from: number | null): Promise<boolean>;
}

/** The ports of sealing and verifying the audit trail. */
export interface AuditSealPorts {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  readonly signer: Signer;
  /** The per-day counters the sealer keeps (the auditor's chart); optional for tools and tests. */
  readonly stats?: AuditStatsStore;
  /** The last verified head (incremental verification); optional for tools and tests. */
  readonly verifiedHead?: VerifiedHeadStore;
  /** The full re-verification's progress and result; optional for tools and tests. */
  readonly fullVerification?: FullVerificationStore;
  /** How long audit records are kept (years): older sealed records expire by TTL. */
  readonly retentionYears?: number;
  /** Thresholds of the auditors' alerts (crossings are published as a metric); optional. */
  readonly alertThresholds?: AlertThresholds;
  /** The Merkle tiles (inclusion proofs at any age); optional for tools and tests. */
  readonly tiles?: MerkleTileStore;
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
