/**
 * Ports: what the domain needs from the outside world. Adapters in `shared/adapters/` implement
 * them for AWS (and, where AWS has no local emulator, for the laptop). Use cases take ports as
 * arguments, so tests pass real local adapters instead of module mocks.
 */
import type { PdfText } from '../domain/layout.js';
import type { IntakeOutcome, LedgerEntry, Message, ReasonCode } from '../domain/types.js';

export type { LedgerEntry } from '../domain/types.js';

/**
 * Reads the positioned text of a PDF. Rejects with `ExtractRejectedError` (`NOT_A_PDF`, `TOO_LARGE`,
 * `PDF_ENCRYPTED`, `PDF_DAMAGED`, `PDF_TOO_COMPLEX`, `NO_TEXT_LAYER`, …); any other error (a read
 * past its wall-clock limit among them) is transient (retried). The text returned separates what
 * a person sees from hidden text (`PdfText.allPages`) and marks scans (`PdfText.scannedPages`).
 */
export interface PdfTextReader {
  read(bytes: Uint8Array): Promise<PdfText>;
}

/** Keyed hashing with a key the caller never sees (KMS HMAC key on AWS, a local key file locally). */
export interface KeyService {
  /** Hex HMAC-SHA-256 of `message`; `purpose` separates domains (pseudonyms vs identity tags). */
  mac(purpose: 'pseudonym' | 'identity', message: string): Promise<string>;
}

export interface PersonName {
  readonly surname: string;
  readonly givenNames: string;
}

/** Envelope encryption of names (AWS Encryption SDK; KMS keyring on AWS, raw AES keyring locally). */
export interface NameCipher {
  encrypt(name: PersonName, context: Record<string, string>): Promise<string>;
  decrypt(ciphertext: string, context: Record<string, string>): Promise<PersonName>;
}

export interface StoredExtract {
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly versionId?: string;
}

/** The extracts bucket. */
export interface ExtractStore {
  /** The object's bytes, or `undefined` when it no longer exists. Refuses to read more than `maxBytes`. */
  get(
    key: string,
    maxBytes: number,
  ): Promise<StoredExtract | { readonly size: number; readonly tooLarge: true } | undefined>;
  put(key: string, bytes: Uint8Array, metadata?: Record<string, string>): Promise<void>;
  /** Deletes every version (and delete marker) of the object; returns how many were removed. */
  deleteAllVersions(key: string): Promise<number>;
  /** Marks a kept object with its outcome, for the expiry lifecycle rule. */
  tagOutcome(key: string, outcome: 'rejected' | 'held'): Promise<void>;
  /** Whether any version of the object still exists. */
  exists(key: string): Promise<boolean>;
}

export interface Student {
  readonly pseudonym: string;
  readonly balance: number;
  readonly openingBalance: number;
  readonly identityTag?: string;
  readonly nameCiphertext?: string;
  readonly appliedRulings: readonly string[];
}

/** Everything the ledger holds about one student (see `LedgerStore.readStudentFile`). */
export interface StudentFile {
  readonly student: Student | undefined;
  readonly entries: LedgerEntry[];
  readonly enrolments: Enrolment[];
}

export interface RulingClaim {
  readonly rulingNumber: string;
  readonly contentHash: string;
  readonly pseudonym: string;
  readonly intakeId: string;
  readonly claimedAt: string;
}

/** The learning-credit ledger. Every write is a single-item conditional write (no transactions). */
export interface LedgerStore {
  getStudent(pseudonym: string): Promise<Student | undefined>;
  /**
   * Creates the student if absent (balance = opening balance) and records the identity tag and
   * encrypted name if none is recorded yet; returns the student as stored afterwards.
   */
  ensureStudent(
    pseudonym: string,
    identityTag: string,
    nameCiphertext: () => Promise<string>,
  ): Promise<Student>;
  /** Claims a ruling number for one content; returns the existing claim when someone was first. */
  claimRuling(
    claim: RulingClaim,
  ): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly existing: RulingClaim }>;
  /** Writes ledger entries; entries already written are kept as they are. */
  putEntries(entries: readonly LedgerEntry[]): Promise<void>;
  /** Adds `delta` to the balance unless this ruling was already applied to this student. */
  applyRuling(pseudonym: string, rulingNumber: string, delta: number): Promise<'applied' | 'already-applied'>;
  listEntries(pseudonym: string): Promise<LedgerEntry[]>;
  /**
   * The student, their ledger entries and their enrolments in one consistent read (one query of
   * the student's partition instead of three requests); `student` is undefined when unknown.
   */
  readStudentFile(pseudonym: string): Promise<StudentFile>;
  /** Sets the opening balance and registered identity from DHO; the credits given back by rulings stay. */
  importOpening(pseudonym: string, values: OpeningImport): Promise<'created' | 'updated' | 'unchanged'>;
  putEnrolment(enrolment: Enrolment): Promise<'created' | 'exists'>;
  listEnrolments(pseudonym: string): Promise<Enrolment[]>;
}

export interface OpeningImport {
  readonly openingBalance: number;
  readonly identityTag: string;
  readonly nameCiphertext: () => Promise<string>;
}

/** A student's enrolment with an institution: imported from DHO or declared by the institution. */
export interface Enrolment {
  readonly pseudonym: string;
  readonly institution: string;
  readonly academicYear: string;
  readonly source: 'import' | 'declared';
  readonly by: string;
  readonly at: string;
}

export interface AuditActor {
  readonly id: string;
  readonly role: 'clerk' | 'institution' | 'auditor' | 'operator' | 'service';
  readonly institution?: string;
}

/** One access record: who, what, when, about whom (pseudonym), why, outcome. */
export interface AuditRecord {
  /** Deterministic for idempotent writers (a retry writes the same id once). */
  readonly id: string;
  readonly at: string;
  readonly actor: AuditActor;
  readonly onBehalfOf?: string;
  readonly action: string;
  readonly subject?: string;
  readonly purpose: string;
  readonly outcome: string;
  readonly requestId: string;
  readonly details?: Record<string, string | number>;
}

/** Append-only audit trail. */
export interface AuditLog {
  /** Appends the record; appending the same id twice keeps the first. Throws when it cannot write. */
  append(record: AuditRecord): Promise<void>;
  list(options?: { day?: string; limit?: number }): Promise<AuditRecord[]>;
}

/** `AWAITING_UPLOAD`: a presigned upload was handed out; `RECEIVED`: the extract is in the bucket. */
export type IntakeState = 'AWAITING_UPLOAD' | 'RECEIVED' | IntakeOutcome;

export interface IntakeStatus {
  readonly intakeId: string;
  readonly uploader: string;
  readonly key: string;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly status: IntakeState;
  readonly code?: ReasonCode;
  readonly field?: string;
  readonly message?: Message;
  readonly rulingNumber?: string;
  /** A check an operator approved past (a held extract re-processed without it). */
  readonly approvedOverride?: 'IDENTITY_MISMATCH';
  readonly reviewedBy?: string;
  /** True once every version of the extract is gone (applied and duplicate extracts). */
  readonly extractDeleted?: boolean;
  readonly size?: number;
}

export interface IntakeStatusStore {
  get(intakeId: string): Promise<IntakeStatus | undefined>;
  /** Records `RECEIVED` unless a status already exists. */
  received(status: IntakeStatus): Promise<void>;
  put(status: IntakeStatus): Promise<void>;
  list(options?: { uploader?: string; limit?: number }): Promise<IntakeStatus[]>;
}

/** The intake pause switch (protocol art. 8). */
export interface IntakeControl {
  isPaused(): Promise<boolean>;
  setPaused(paused: boolean, by: string): Promise<void>;
}

/** Puts an extract (back) on the intake queue, e.g. after an operator approved it. */
export interface IntakeQueue {
  enqueue(key: string): Promise<void>;
}

/** Hands out a presigned POST for one object key with the upload's conditions. */
export interface UploadSigner {
  presignPost(
    key: string,
    options: { maxBytes: number; expiresSeconds: number },
  ): Promise<{
    url: string;
    fields: Record<string, string>;
  }>;
}
