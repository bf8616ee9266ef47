/**
 * Ports: what the domain needs from the outside world. Adapters in `shared/adapters/` implement
 * them for AWS (and, where AWS has no local emulator, for the laptop). Use cases take ports as
 * arguments, so tests pass real local adapters instead of module mocks.
 */
import type { DeadLetterQueue, RedriveResult } from '../domain/dead-letters.js';
import type { FeedRecord, OutboxEntry, PlacedFeedRecord } from '../domain/feed.js';
import type { PdfText } from '../domain/layout.js';
import type { ChangeNotification, WebhookPayload } from '../domain/webhook.js';
import type { SealCheck, SealSigner } from '../domain/pdf-signature.js';
import type { CreditLine, IntakeOutcome, LedgerEntry, Message, ReasonCode } from '../domain/types.js';

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

/**
 * Checks DBRC's electronic seal on an extract (PAdES: byte ranges, CMS signature, certificate
 * chain to the environment's trust anchors at the signing time). Never throws for a bad seal:
 * that is `invalid` with a reason; a thrown error is transient (retried).
 */
export interface SignatureVerifier {
  verify(bytes: Uint8Array): Promise<SealCheck>;
}

/** Keyed hashing with a key the caller never sees (KMS HMAC key on AWS, a local key file locally). */
export interface KeyService {
  /** Hex HMAC-SHA-256 of `message`; `purpose` separates domains (pseudonyms, identity tags, what an auditor typed). */
  mac(purpose: 'pseudonym' | 'identity' | 'audit-query', message: string): Promise<string>;
}

export interface PersonName {
  readonly surname: string;
  readonly givenNames: string;
}

/**
 * Envelope encryption of names and of the national numbers the change feed keeps for a purposeful
 * read (AWS Encryption SDK; KMS keyring on AWS, raw AES keyring locally). The context binds a
 * ciphertext to what it belongs to; decryption checks it.
 */
export interface NameCipher {
  encrypt(name: PersonName, context: Record<string, string>): Promise<string>;
  decrypt(ciphertext: string, context: Record<string, string>): Promise<PersonName>;
  encryptNumber(nationalNumber: string, context: Record<string, string>): Promise<string>;
  decryptNumber(ciphertext: string, context: Record<string, string>): Promise<string>;
}

export interface StoredExtract {
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly versionId?: string;
}

/**
 * One object of the bucket as an intake decided on it: its S3 version where the store has versions
 * (AWS), and the SHA-256 of its bytes everywhere (s3rver has no versions: the hash is the binding).
 */
export interface ObjectRef {
  readonly versionId?: string;
  readonly sha256?: string;
}

/** The extracts bucket. */
export interface ExtractStore {
  /**
   * The object's bytes (that version, when `versionId` is given), or `undefined` when it no longer
   * exists. Refuses to read more than `maxBytes`.
   */
  get(
    key: string,
    maxBytes: number,
    versionId?: string,
  ): Promise<
    | StoredExtract
    | { readonly size: number; readonly tooLarge: true; readonly versionId?: string }
    | undefined
  >;
  put(key: string, bytes: Uint8Array, metadata?: Record<string, string>, contentType?: string): Promise<void>;
  /** Deletes every version (and delete marker) of the object; returns how many were removed. */
  deleteAllVersions(key: string): Promise<number>;
  /**
   * Deletes exactly the object an intake decided on: its version (AWS), or — where the store has
   * no versions — the object only while its bytes still hash to `ref.sha256` (a newer upload under
   * the key is another intake's and stays). Returns how many objects were removed.
   */
  deleteObject(key: string, ref: ObjectRef): Promise<number>;
  /** Marks a kept object (that version, when given) with its outcome, for the expiry lifecycle rule. */
  tagOutcome(key: string, outcome: 'rejected' | 'held', versionId?: string): Promise<void>;
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

/**
 * The learning-credit ledger. Every write is a single-item conditional write, but one: the balance
 * change and its outbox entry (the change feed) are written together (`applyRuling`).
 */
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
  /**
   * Adds `delta` to the balance unless this ruling was already applied to this student, and writes
   * `change` to the outbox with it: on AWS in one transaction (both or neither); on the local
   * emulator, which has no transactions, the outbox entry first (keyed deterministically, so a
   * retry writes it once) — the relay fans out only changes the student item shows applied.
   */
  applyRuling(
    pseudonym: string,
    rulingNumber: string,
    delta: number,
    change?: OutboxEntry,
  ): Promise<'applied' | 'already-applied'>;
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

/**
 * The change feed's store: the outbox (written by the ledger's `applyRuling`), the relay's view of
 * it, and each institution's feed.
 */
export interface ChangeFeedStore {
  /** One outbox entry (the relay function reads what the stream names). */
  getOutbox(outboxId: string): Promise<OutboxEntry | undefined>;
  /** Outbox entries not yet relayed, oldest first (the local relay's sweep; on AWS a stream). */
  listPending(limit: number): Promise<OutboxEntry[]>;
  /**
   * Where the change sits in the institution's feed (its placement marker), or undefined when the
   * relay has not placed it there yet.
   */
  findPlacement(institution: string, outboxId: string): Promise<string | undefined>;
  /** The highest position known placed and marked in the feed (a hint: positions above may be taken). */
  lastPosition(institution: string): Promise<number>;
  /**
   * Writes the change at position `n` if that position is free (put-if-absent); answers who holds
   * the position now — this change, or the one that took it first.
   */
  claimPosition(
    institution: string,
    n: number,
    record: FeedRecord,
  ): Promise<Pick<FeedRecord, 'outboxId' | 'changedAt'>>;
  /** Marks a change as placed at `position` (put-if-absent: the first mark stays). */
  markPlaced(
    institution: string,
    holder: Pick<FeedRecord, 'outboxId' | 'changedAt'>,
    position: string,
  ): Promise<void>;
  /** Raises the last-position hint to `n` (never lowers it). */
  advancePosition(institution: string, n: number): Promise<void>;
  /** The entry left the outbox for every feed it belongs in. */
  markRelayed(outboxId: string): Promise<void>;
  /** One institution's feed after a position (`feedSlotKey`), in position order. */
  readFeed(
    institution: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ readonly items: PlacedFeedRecord[]; readonly more: boolean }>;
}

/**
 * Queues the webhook notifications of new feed entries (issue 16): an SQS queue on AWS, the local
 * persistent queue locally. `institutions`: who has a webhook (the others get no notification).
 * Resolves once every notification is durably queued; throws otherwise (the relay is retried).
 */
export interface ChangeNotifier {
  readonly institutions: ReadonlySet<string>;
  notify(notes: readonly ChangeNotification[]): Promise<void>;
}

/** Signs a webhook payload as a compact JWS (ES256, `typ` learning-credit-change+jwt, `kid`). */
export interface WebhookSigner {
  sign(payload: WebhookPayload): Promise<string>;
  /** The public key (SPKI PEM) and its RFC 7638 thumbprint, for receivers. */
  publicKey(): Promise<{ readonly publicKeyPem: string; readonly kid: string }>;
}

/**
 * POSTs a body to a URL within a time limit; answers the HTTP status. Throws on a network error or
 * the timeout. Never follows a redirect (a 3xx is an answer, not a delivery).
 */
export interface WebhookTransport {
  post(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<{ readonly status: number }>;
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
  readonly role: 'clerk' | 'institution' | 'auditor' | 'operator' | 'student' | 'service';
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

/** What an auditor may filter the log by (the subject as its pseudonym). */
export interface AuditFilter {
  readonly subject?: string;
  readonly actorId?: string;
  readonly institution?: string;
  /** An action or an action prefix (`credit` matches `credit.read`). */
  readonly action?: string;
  /** An outcome or its prefix before `:` (`DENIED` matches `DENIED:NOT_ENROLLED`). */
  readonly outcome?: string;
  /** ISO instants, inclusive. */
  readonly from?: string;
  readonly to?: string;
}

export interface AuditPageRequest {
  /** At most this many records (the store reads about this many, plus what the filter drops). */
  readonly limit: number;
  /** An opaque cursor from an earlier page of the same query. */
  readonly next?: string;
  /** Days are walked back from `to` or from this day (`YYYY-MM-DD`, UTC). */
  readonly newestDay: string;
  /** …down to `from` or this day: no record of the log is older. */
  readonly oldestDay: string;
}

/** A page of audit records, newest first, and the cursor of the next one while there is one. */
export interface AuditRecordPage {
  readonly items: AuditRecord[];
  readonly next?: string;
}

/** A paging cursor this store did not hand out for this query (or that was altered). */
export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`invalid cursor: ${reason}`);
    this.name = 'InvalidCursorError';
  }
}

/** Append-only audit trail. */
export interface AuditLog {
  /** Appends the record; appending the same id twice keeps the first. Throws when it cannot write. */
  append(record: AuditRecord): Promise<void>;
  /** Every record (or one day's), oldest first: reads the whole table — tests and tools only. */
  list(options?: { day?: string; limit?: number }): Promise<AuditRecord[]>;
  /**
   * One page of the records matching `filter`, newest first, through one index (subject, actor,
   * institution, else the day index walked day by day): costs the page, not the history.
   * Throws `InvalidCursorError` for a cursor it did not hand out for this query.
   */
  query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditRecordPage>;
}

/** Consultations of one institution on one (UTC) day, from the sealed records. */
export interface AuditDayCount {
  readonly day: string;
  /** The actor's institution; `-` for actors without one. */
  readonly institution: string;
  readonly allowed: number;
  readonly denied: number;
  /** Self-declared enrolments (absent: none, or counted before this counter existed). */
  readonly declared?: number;
  /** Allowed reads of students visible only by a self-declared enrolment. */
  readonly nonDho?: number;
}

/**
 * Per-day counters of the audit log, kept by the sealer as it seals (each checkpoint counted once),
 * so the chart reads one item per day instead of the records.
 */
export interface AuditStatsStore {
  /**
   * The last checkpoint counted and the first day of the log (undefined before any); `cumulative`:
   * the cumulative counters cover the whole log (false while a log counted before they existed
   * awaits its backfill).
   */
  watermark(): Promise<
    { sequence: number; cutoff: string; firstDay: string; cumulative: boolean } | undefined
  >;
  /**
   * Adds the counts of checkpoint `sequence` (whose window ends at `cutoff`) to the per-day and the
   * cumulative counters (`cumulativeSteps`); a sequence already counted for a day is not counted
   * again. Checkpoints must be added in sequence order.
   */
  add(sequence: number, cutoff: string, counts: readonly AuditDayCount[]): Promise<void>;
  /** The counts of these days (days without records are left out). */
  days(days: readonly string[]): Promise<AuditDayCount[]>;
  /**
   * One slice of the one-off backfill of the cumulative counters from the per-day counters (a log
   * counted before they existed): at most `maxDays` days, oldest first, up to `throughDay`. True
   * once the whole log is covered (then `watermark().cumulative` is true).
   */
  backfillCumulative(throughDay: string, maxDays: number): Promise<boolean>;
  /**
   * A scope's running total (`ALL_SCOPE` or an institution code), up to when every record is
   * counted, and the last day counted into it (its newest cumulative day item); undefined while the
   * cumulative counters do not cover the log (nothing counted yet, or the backfill is not done).
   */
  cumulative(scope: string): Promise<{ running: number; countedUpTo: string; lastDay?: string } | undefined>;
  /** The running total of a scope before its first day ≥ `day` (undefined: no such day). */
  cumulativeBefore(scope: string, day: string): Promise<number | undefined>;
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
  /** Who sealed the extract, when the seal verified (DBRC's organisation certificate). */
  readonly signer?: SealSigner;
  /** The checks an operator approved past (a held extract re-processed without them). */
  readonly approvedOverrides?: readonly ApprovableHold[];
  readonly reviewedBy?: string;
  /** The audit record of the decision when it is not `intake:<id>:<status>` (an operator's rejection). */
  readonly decisionRecordId?: string;
  /** True once every version of the extract is gone (applied and duplicate extracts). */
  readonly extractDeleted?: boolean;
  readonly size?: number;
  /**
   * The bytes this status decides on: SHA-256 of the object (absent for an object too large to
   * read) and, on AWS, its S3 version. Set once, when the intake first reads the object
   * (`boundAt`); every later step — approval included — acts on exactly these bytes.
   */
  readonly sha256?: string;
  readonly versionId?: string;
  readonly boundAt?: string;
  /** A second (third…) object under the key of this intake: the upload it was posted over. */
  readonly parentIntakeId?: string;
  /** A held extract: what the operator reviews (the name read only encrypted, like every name). */
  readonly review?: HeldReview;
  /**
   * Received while intake was paused (when): the message was acknowledged, nothing was read; the
   * status waits as `RECEIVED` and resuming puts it back on the queue.
   */
  readonly pausedAt?: string;
}

/**
 * Holds an operator may approve past: the identity (after DBRC confirmed it) and a scan (after
 * comparing the values read with its page image). A conflicting duplicate never: the ruling was
 * applied with other content, and DBRC must report the correction.
 */
export const APPROVABLE_HOLDS = ['IDENTITY_MISMATCH', 'SCANNED_EXTRACT'] as const;
export type ApprovableHold = (typeof APPROVABLE_HOLDS)[number];

/** What an operator needs to decide on a held extract, kept with its status while it is held. */
export interface HeldReview {
  readonly rulingNumber: string;
  readonly docket: string;
  readonly rulingDate: string;
  /** e.g. `85.07.30-xxx.28` */
  readonly nationalNumberMasked: string;
  /** The student's pseudonym: the audit subject, the encryption context of the names. */
  readonly subject: string;
  readonly lines: readonly CreditLine[];
  /** The name as read from the extract, encrypted (NameCipher, context `{ pseudonym: subject }`). */
  readonly nameReadCiphertext: string;
  /** A scan: the pages whose image was kept for the review (`reviewImageKey`). */
  readonly pageImages?: readonly number[];
}

/** The states a status is still open in (listed by the sparse open-state index). */
export const OPEN_STATES = ['AWAITING_UPLOAD', 'RECEIVED', 'HELD'] as const satisfies readonly IntakeState[];
export type OpenState = (typeof OPEN_STATES)[number];

export interface IntakeStatusStore {
  get(intakeId: string): Promise<IntakeStatus | undefined>;
  /** Records `RECEIVED` unless a status already exists. */
  received(status: IntakeStatus): Promise<void>;
  /**
   * Writes `status` (which carries `boundAt`) unless the stored status is already bound to an
   * object; false when another object was bound first (a conditional write).
   */
  bind(status: IntakeStatus): Promise<boolean>;
  put(status: IntakeStatus): Promise<void>;
  /** Every status (or one uploader's), newest first: without `uploader` it reads the whole table — tests only. */
  list(options?: { uploader?: string; limit?: number }): Promise<IntakeStatus[]>;
  /**
   * One page of an uploader's statuses, newest first, or of the statuses in one open state, oldest
   * first (sparse index: never the finished history). Throws `InvalidCursorError` for a bad cursor.
   */
  page(
    selection: { readonly uploader: string } | { readonly state: OpenState },
    page: { readonly limit: number; readonly next?: string },
  ): Promise<{ items: IntakeStatus[]; next?: string }>;
}

/** The intake pause switch (protocol art. 8). */
export interface IntakeControl {
  isPaused(): Promise<boolean>;
  setPaused(paused: boolean, by: string): Promise<void>;
}

/**
 * The operator's view of the queues: approximate counts (the intake queue's `visible`, `inFlight`,
 * `delayed`; each queue's dead letters under `DEAD_LETTER_COUNT`) and the redrive of a queue's dead
 * letters back onto it. SQS on AWS (a message move task), the local persistent queues locally.
 */
export interface QueueOperations {
  counts(): Promise<Record<string, number>>;
  redrive(queue: DeadLetterQueue): Promise<RedriveResult>;
}

/** Puts an extract (back) on the intake queue, e.g. after an operator approved it. */
export interface IntakeQueue {
  /** `versionId`: the object version the intake must read (the one that was reviewed). */
  enqueue(key: string, versionId?: string): Promise<void>;
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
