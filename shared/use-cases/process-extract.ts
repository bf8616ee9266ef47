import { ExtractHeldError, ExtractRejectedError } from '../domain/errors.js';
import { contentHash, creditsReturned, entriesFor, identityKey, sha256Hex } from '../domain/ledger.js';
import { intakeIdentity, laterIntakeId, reviewImageKey, strayIntakeId } from '../domain/extract-keys.js';
import type { PdfText } from '../domain/layout.js';
import { LIMITS } from '../domain/limits.js';
import { hold, rejection } from '../domain/messages.js';
import type { ParseOptions } from '../domain/parser.js';
import { sealDetails, sealedBy, type SignaturePolicy } from '../domain/pdf-signature.js';
import { readExtract } from '../domain/visibility.js';
import { bytesDetails } from '../domain/audit-details.js';
import type { Extract, IntakeOutcome } from '../domain/types.js';
import { maskNationalNumber } from '../domain/national-number.js';
import { feedNumberContext, outboxEntryFor } from '../domain/feed.js';
import type {
  AuditLog,
  ExtractStore,
  HeldReview,
  IntakeControl,
  IntakeStatus,
  IntakeStatusStore,
  KeyService,
  LedgerStore,
  NameCipher,
  ObjectRef,
  PdfTextReader,
  SignatureVerifier,
} from '../ports/index.js';

/** The steps of the intake, in order; a crash may happen after any of them. */
export const INTAKE_STEPS = [
  'read',
  'parse',
  'pseudonymise',
  'identity',
  'claim',
  'audit',
  'ledger-entries',
  'balance',
  'status',
  'delete',
  'final',
] as const;
export type IntakeStep = (typeof INTAKE_STEPS)[number];

export interface IntakeDeps {
  readonly extracts: ExtractStore;
  readonly ledger: LedgerStore;
  readonly audit: AuditLog;
  readonly statuses: IntakeStatusStore;
  readonly keys: KeyService;
  readonly names: NameCipher;
  /** Reads the positioned text of a PDF (pdf.js in a worker with work limits). */
  readonly pdf: PdfTextReader;
  readonly parse?: ParseOptions;
  /** DBRC's electronic seal: checked under this policy; absent = policy `off` (never checked). */
  readonly seal?: {
    readonly policy: Exclude<SignaturePolicy, 'off'>;
    readonly verifier: SignatureVerifier;
  };
  /**
   * The pause switch (protocol art. 8), read on every message: while paused nothing is read or
   * decided, whatever delivers the message (an event source mapping a redeploy re-enabled).
   */
  readonly control?: Pick<IntakeControl, 'isPaused'>;
  readonly now?: () => Date;
  /** Called after each step; tests throw from it to inject crashes. */
  readonly afterStep?: (step: IntakeStep, intakeId: string) => void | Promise<void>;
  /** Per-step timings, for the benchmark. */
  readonly onTiming?: (step: IntakeStep, ms: number) => void;
}

export interface ExtractEvent {
  readonly key: string;
  readonly size?: number;
  /** The object version the event announces (AWS; s3rver has none). */
  readonly versionId?: string;
  /** The request that carried the event, for the audit trail. */
  readonly requestId: string;
}

export interface IntakeResult {
  readonly intakeId: string;
  readonly status: IntakeOutcome | 'ALREADY_DONE' | 'VANISHED' | 'PAUSED';
  readonly code?: string;
}

const PURPOSE = 'learning-credit-correction';
const ACTOR = { id: 'service:intake', role: 'service' } as const;

/** Distinct objects one upload key may receive (a presigned POST is reusable until it expires). */
const MAX_OBJECTS_PER_KEY = 50;

const FINAL = (s: IntakeStatus): boolean => s.status !== 'RECEIVED' && s.status !== 'AWAITING_UPLOAD';

/**
 * Whether `status` decided on `object`: the same S3 version where both are known (AWS); else the
 * same bytes — unless the intake already deleted its object, in which case bytes found under the
 * key again were uploaded again (a re-upload of a finished ruling is an intake of its own).
 */
function sameObject(status: IntakeStatus, object: ObjectRef & { size: number }): boolean {
  if (status.versionId && object.versionId) return status.versionId === object.versionId;
  if (status.sha256 !== object.sha256) return false;
  if (status.sha256 === undefined && status.size !== undefined && status.size !== object.size) return false;
  return status.extractDeleted !== true;
}

/**
 * Processes one uploaded extract, exactly once in effect however often it is delivered.
 *
 * Primary course:
 *  1. Attribution: look up the status the upload API wrote for this key (`createUpload`). An
 *     object without one (or under another key than the API issued) is not processed:
 *     `UNKNOWN_UPLOAD`, kept and tagged, audited.
 *  2. Read the object (the event's version on AWS; refusing more than 10 MiB) and hash it; bind
 *     the intake to these bytes: the upload's first object binds its status (RECEIVED + SHA-256
 *     + version, a conditional write); the same object again is a redelivery (an intake already
 *     finished is acknowledged again); another object under a used key is a new intake of its
 *     own (`<intakeId>-2`, `-3`…), never dropped and never decided by the first one's status.
 *     Check DBRC's seal under the environment's policy (SIGNATURE_MISSING / SIGNATURE_INVALID;
 *     a valid seal's signer is recorded with the intake), then parse it.
 *  3. Pseudonymise the national number (HMAC through the key service).
 *  4. Check the identity against the one registered for that pseudonym (or register it).
 *  5. Claim the ruling number for this content (a conditional write).
 *  6. Append the access record to the audit trail (idempotent id) BEFORE any ledger change: if
 *     the audit log cannot be written the message fails (retried) and nothing was applied.
 *  7. Write the ledger entries, then add the returned credits to the balance — a conditional
 *     write that can succeed once per ruling and student — with the change's outbox entry for
 *     the institutions' feed in the same transaction.
 *  8. Record the outcome, delete exactly the object decided on (its version), mark it deleted.
 *
 * Alternative courses: a rejected extract (reason code) or a held one (identity mismatch,
 * conflicting duplicate) is tagged, audited and kept; a duplicate rolls the first intake forward
 * (in case it crashed) and is then deleted like an applied one.
 */
export async function processExtract(event: ExtractEvent, deps: IntakeDeps): Promise<IntakeResult> {
  const now = deps.now ?? (() => new Date());
  const key = intakeIdentity(event.key);
  let intakeId = key.intakeId;
  let t = performance.now();
  const step = async (name: IntakeStep): Promise<void> => {
    const t2 = performance.now();
    deps.onTiming?.(name, t2 - t);
    t = t2;
    await deps.afterStep?.(name, intakeId);
  };

  // 1. Attribution. An upload id used under another key than the API issued is not that upload.
  const issued = await deps.statuses.get(key.intakeId);
  const attributed = !!issued && issued.key === event.key && issued.code !== 'UNKNOWN_UPLOAD';
  const rootId = issued && issued.key !== event.key ? strayIntakeId(event.key) : key.intakeId;
  intakeId = rootId;

  // Paused: record the receipt (waiting) and acknowledge; resuming re-enqueues open RECEIVED items.
  if (deps.control && (await deps.control.isPaused())) {
    await waitWhilePaused(rootId, rootId === key.intakeId ? issued : undefined, event, deps, now);
    return { intakeId: rootId, status: 'PAUSED' };
  }

  // 2. The bytes, and the intake they belong to.
  const stored = await deps.extracts.get(event.key, LIMITS.maxExtractBytes, event.versionId);
  if (!stored) {
    // Gone: a redelivery after the delete (finish marking it), or an object that vanished.
    const done = await finishedWithoutObject(rootId, event, deps, now);
    return { intakeId: done?.intakeId ?? rootId, status: done ? 'ALREADY_DONE' : 'VANISHED' };
  }
  const object = {
    size: stored.size,
    ...('tooLarge' in stored ? {} : { sha256: sha256Hex(stored.bytes) }),
    ...((stored.versionId ?? event.versionId) ? { versionId: stored.versionId ?? event.versionId } : {}),
  };
  const current = await intakeOf(rootId, attributed ? key.uploader : undefined, event.key, object, deps, now);
  intakeId = current.intakeId;
  if (FINAL(current)) {
    if ((current.status === 'APPLIED' || current.status === 'DUPLICATE') && !current.extractDeleted) {
      await finishRemoval(event.key, current, deps, now);
    }
    return { intakeId, status: 'ALREADY_DONE' };
  }
  let base: IntakeStatus = { ...current, status: 'RECEIVED', updatedAt: now().toISOString() };
  await step('read');

  let read: Extract | undefined;
  let scanImages: PdfText['scanImages'];
  try {
    if (!attributed) throw rejection('UNKNOWN_UPLOAD', 'file');
    if ('tooLarge' in stored) throw rejection('TOO_LARGE', 'file', { size: stored.size });
    const signer = deps.seal && sealedBy(deps.seal.policy, await deps.seal.verifier.verify(stored.bytes));
    if (signer) base = { ...base, signer };
    const text = await deps.pdf.read(stored.bytes);
    scanImages = text.scanImages;
    const parsed = readExtract(text, {
      ...deps.parse,
      now: deps.parse?.now ?? now(),
      scanApproved: base.approvedOverrides?.includes('SCANNED_EXTRACT') ?? false,
    });
    if (!parsed.ok) {
      if ('extract' in parsed) read = parsed.extract;
      throw parsed.error;
    }
    read = parsed.extract;
    await step('parse');
    return await applyExtract(parsed.extract, stored.bytes, base, event, deps, now, step);
  } catch (error) {
    if (error instanceof ExtractHeldError && read) {
      // What the operator reviews: the values read and, for a scan, the page images beside them.
      const subject = error.subject ?? (await deps.keys.mac('pseudonym', read.nationalNumber));
      const pages: number[] = [];
      for (const image of error.code === 'SCANNED_EXTRACT' ? (scanImages ?? []) : []) {
        await deps.extracts.put(reviewImageKey(base.intakeId, image.page), image.png, {}, 'image/png');
        pages.push(image.page);
      }
      const review = {
        ...(await heldReview(read, subject, deps)),
        ...(pages.length ? { pageImages: pages } : {}),
      };
      return keep(error, { ...base, review }, event, deps, now, subject);
    }
    if (error instanceof ExtractRejectedError || error instanceof ExtractHeldError) {
      return keep(error, base, event, deps, now);
    }
    throw error;
  }
}

/**
 * The intake status bound to `object`: the upload's own (bound now if it is the first object
 * under the key), or the one of a later object under the same key (created now if new).
 */
/**
 * While paused: the upload's status becomes `RECEIVED` with the pause marker (an object no upload
 * accounts for gets a status of its own, still `UNKNOWN_UPLOAD`), so the clerk sees it waiting and
 * the stalled check counts it. A bound or finished status is left as it is: its object was read.
 */
async function waitWhilePaused(
  intakeId: string,
  issued: IntakeStatus | undefined,
  event: ExtractEvent,
  deps: IntakeDeps,
  now: () => Date,
): Promise<void> {
  const at = now().toISOString();
  const status = issued ?? (await deps.statuses.get(intakeId));
  if (!status) {
    await deps.statuses.received({
      intakeId,
      uploader: 'unknown',
      key: event.key,
      receivedAt: at,
      updatedAt: at,
      status: 'RECEIVED',
      code: 'UNKNOWN_UPLOAD',
      pausedAt: at,
    });
    return;
  }
  if (status.boundAt !== undefined || FINAL(status)) {
    // Another object than the one this status decided on (the event names its version): an intake
    // of its own (`-2`, `-3`…), waiting like the first. Without a version (s3rver) a redelivery
    // cannot be told from a new object without reading it: left to the stalled check and the DLQ.
    if (event.versionId && status.versionId && event.versionId !== status.versionId) {
      await laterWaiting(status, event.versionId, event, deps, at);
    }
    return;
  }
  if (status.pausedAt !== undefined) return;
  await deps.statuses.put({
    ...status,
    status: 'RECEIVED',
    ...(status.status === 'AWAITING_UPLOAD' ? { receivedAt: at } : {}),
    updatedAt: at,
    pausedAt: at,
  });
}

/** Records a later object under a used key as a waiting intake of its own (once per version). */
async function laterWaiting(
  root: IntakeStatus,
  versionId: string,
  event: ExtractEvent,
  deps: IntakeDeps,
  at: string,
): Promise<void> {
  for (let n = 2; n <= MAX_OBJECTS_PER_KEY; n++) {
    const intakeId = laterIntakeId(root.intakeId, n);
    const existing = await deps.statuses.get(intakeId);
    if (existing?.versionId === versionId) return;
    if (existing) continue;
    await deps.statuses.received({
      intakeId,
      uploader: root.uploader,
      key: event.key,
      receivedAt: at,
      updatedAt: at,
      status: 'RECEIVED',
      parentIntakeId: root.intakeId,
      versionId,
      ...(root.code === 'UNKNOWN_UPLOAD' ? { code: 'UNKNOWN_UPLOAD' as const } : {}),
      pausedAt: at,
    });
    return;
  }
}

async function intakeOf(
  rootId: string,
  /** The uploader the API issued the key to; undefined for an object no upload accounts for. */
  uploader: string | undefined,
  key: string,
  object: ObjectRef & { size: number },
  deps: IntakeDeps,
  now: () => Date,
): Promise<IntakeStatus> {
  for (let n = 1; n <= MAX_OBJECTS_PER_KEY; n++) {
    const intakeId = laterIntakeId(rootId, n);
    for (;;) {
      const status = await deps.statuses.get(intakeId);
      if (status?.boundAt === undefined && !(status && FINAL(status))) {
        // Unbound: the upload's status (AWAITING_UPLOAD) or no status yet. Bind it to these bytes.
        const at = now().toISOString();
        const { pausedAt: _paused, ...unbound } = status ?? ({} as Partial<IntakeStatus>);
        const bound: IntakeStatus = {
          ...(status
            ? (unbound as IntakeStatus)
            : {
                intakeId,
                uploader: uploader ?? 'unknown',
                key,
                receivedAt: at,
                ...(n > 1 ? { parentIntakeId: rootId } : {}),
                // Recorded at once, so a redelivery after a crash still knows it is not an upload.
                ...(uploader === undefined ? { code: 'UNKNOWN_UPLOAD' as const } : {}),
              }),
          status: 'RECEIVED',
          updatedAt: at,
          ...(status?.status === 'AWAITING_UPLOAD' ? { receivedAt: at } : {}),
          size: object.size,
          ...(object.sha256 ? { sha256: object.sha256 } : {}),
          ...(object.versionId ? { versionId: object.versionId } : {}),
          boundAt: at,
        };
        if (await deps.statuses.bind(bound)) return bound;
        continue; // another delivery bound it first: compare with what it bound
      }
      if (sameObject(status!, object)) return status!;
      break; // another object's intake: try the next one
    }
  }
  throw new Error(`more than ${MAX_OBJECTS_PER_KEY} objects under one upload key`);
}

/** After a redelivery found the object gone: the intake that deleted it, marked deleted if a crash stopped it. */
async function finishedWithoutObject(
  rootId: string,
  event: ExtractEvent,
  deps: IntakeDeps,
  now: () => Date,
): Promise<IntakeStatus | undefined> {
  let found: IntakeStatus | undefined;
  for (let n = 1; n <= MAX_OBJECTS_PER_KEY; n++) {
    const status = await deps.statuses.get(laterIntakeId(rootId, n));
    if (!status) break;
    if (event.versionId && status.versionId && status.versionId !== event.versionId) continue;
    if (status.status === 'APPLIED' || status.status === 'DUPLICATE') {
      if (!status.extractDeleted) await finishRemoval(event.key, status, deps, now);
      found ??= status;
    }
  }
  return found;
}

/** What the operator reviews; the name read is stored encrypted, as the ledger stores names. */
async function heldReview(e: Extract, subject: string, deps: IntakeDeps): Promise<HeldReview> {
  return {
    rulingNumber: e.rulingNumber,
    docket: e.docket,
    rulingDate: e.rulingDate,
    nationalNumberMasked: maskNationalNumber(e.nationalNumber),
    subject,
    lines: e.lines,
    nameReadCiphertext: await deps.names.encrypt(
      { surname: e.surname, givenNames: e.givenNames },
      { pseudonym: subject },
    ),
  };
}

async function applyExtract(
  extract: Extract,
  bytes: Uint8Array,
  base: IntakeStatus,
  event: ExtractEvent,
  deps: IntakeDeps,
  now: () => Date,
  step: (s: IntakeStep) => Promise<void>,
): Promise<IntakeResult> {
  const { intakeId } = base;
  const pseudonym = await deps.keys.mac('pseudonym', extract.nationalNumber);
  const identityTag = await deps.keys.mac('identity', identityKey(extract.surname, extract.givenNames));
  await step('pseudonymise');

  const student = await deps.ledger.ensureStudent(pseudonym, identityTag, () =>
    deps.names.encrypt({ surname: extract.surname, givenNames: extract.givenNames }, { pseudonym }),
  );
  // An operator may approve a held extract past the identity check (after DBRC confirmed it).
  if (student.identityTag !== identityTag && !base.approvedOverrides?.includes('IDENTITY_MISMATCH')) {
    throw hold('IDENTITY_MISMATCH', { subject: pseudonym });
  }
  await step('identity');

  const hash = contentHash(extract, pseudonym);
  const claim = await deps.ledger.claimRuling({
    rulingNumber: extract.rulingNumber,
    contentHash: hash,
    pseudonym,
    intakeId,
    claimedAt: now().toISOString(),
  });
  if (!claim.claimed && claim.existing.contentHash !== hash) {
    throw hold('CONFLICTING_DUPLICATE', { rulingNumber: extract.rulingNumber, subject: pseudonym });
  }
  const outcome: IntakeOutcome =
    claim.claimed || claim.existing.intakeId === intakeId ? 'APPLIED' : 'DUPLICATE';
  // The first intake of this ruling may have crashed before its balance write: roll it forward.
  const firstIntake = claim.claimed ? intakeId : claim.existing.intakeId;
  await step('claim');

  // Audit first: the record of the change is written (idempotently: a redelivery writes the same
  // id once) before the change, so no balance ever moves without its record. A duplicate that
  // rolls the first intake forward writes that intake's record too (a no-op when it exists).
  const record = (id: string, action: string, result: IntakeOutcome, details: Record<string, string>) =>
    deps.audit.append({
      id,
      at: now().toISOString(),
      actor: ACTOR,
      onBehalfOf: base.uploader,
      action,
      subject: pseudonym,
      purpose: PURPOSE,
      outcome: result,
      requestId: event.requestId,
      details: {
        rulingNumber: extract.rulingNumber,
        credits: creditsReturned(extract),
        ...details,
      },
    });
  if (outcome === 'DUPLICATE') {
    await record(`intake:${firstIntake}:applied`, 'ledger.apply-ruling', 'APPLIED', {
      intakeId: firstIntake,
      rolledForwardBy: intakeId,
    });
  }
  await record(
    `intake:${intakeId}:${outcome.toLowerCase()}`,
    outcome === 'APPLIED' ? 'ledger.apply-ruling' : 'ledger.duplicate-ruling',
    outcome,
    { intakeId, ...bytesDetails(base), ...sealDetails(base.signer) },
  );
  await step('audit');

  await deps.ledger.putEntries(
    entriesFor(extract, {
      pseudonym,
      intakeId: firstIntake,
      extractSha256: sha256Hex(bytes),
      appliedAt: now().toISOString(),
    }),
  );
  await step('ledger-entries');
  // The balance change and its change-feed outbox entry, written together (one per ruling and
  // student). The entry keeps the full number encrypted, bound to the change, for a purposeful read.
  const change = outboxEntryFor(extract, pseudonym, now().toISOString());
  await deps.ledger.applyRuling(pseudonym, extract.rulingNumber, creditsReturned(extract), {
    ...change,
    numberCiphertext: await deps.names.encryptNumber(
      extract.nationalNumber,
      feedNumberContext(change.outboxId),
    ),
  });
  await step('balance');

  const done: IntakeStatus = {
    ...base,
    updatedAt: now().toISOString(),
    status: outcome,
    rulingNumber: extract.rulingNumber,
    extractDeleted: false,
    message:
      outcome === 'APPLIED'
        ? {
            nl: `Arrest nr. ${extract.rulingNumber} verwerkt: ${creditsReturned(extract)} studiepunten leerkrediet teruggegeven. Het uittreksel is verwijderd.`,
            en: `Ruling ${extract.rulingNumber} applied: ${creditsReturned(extract)} credits of learning credit given back. The extract was deleted.`,
          }
        : {
            nl: `Arrest nr. ${extract.rulingNumber} was al verwerkt met dezelfde inhoud; er is niets gewijzigd. Het uittreksel is verwijderd.`,
            en: `Ruling ${extract.rulingNumber} was already applied with the same content; nothing changed. The extract was deleted.`,
          },
  };
  await deps.statuses.put(done);
  await step('status');
  await finishRemoval(event.key, done, deps, now, step);
  return { intakeId, status: outcome };
}

async function finishRemoval(
  key: string,
  status: IntakeStatus,
  deps: IntakeDeps,
  now: () => Date,
  step?: (s: IntakeStep) => Promise<void>,
): Promise<void> {
  await deps.extracts.deleteObject(key, {
    ...(status.versionId ? { versionId: status.versionId } : {}),
    ...(status.sha256 ? { sha256: status.sha256 } : {}),
  });
  await step?.('delete');
  await deps.statuses.put({ ...status, extractDeleted: true, updatedAt: now().toISOString() });
  await step?.('final');
}

async function keep(
  error: ExtractRejectedError | ExtractHeldError,
  base: IntakeStatus,
  event: ExtractEvent,
  deps: IntakeDeps,
  now: () => Date,
  /** The student a held extract is about (a scan's, found from its number for the review). */
  subject?: string,
): Promise<IntakeResult> {
  const held = error instanceof ExtractHeldError;
  const status = held ? 'HELD' : 'REJECTED';
  await deps.extracts.tagOutcome(event.key, held ? 'held' : 'rejected', base.versionId);
  await deps.audit.append({
    id: `intake:${base.intakeId}:${status.toLowerCase()}`,
    at: now().toISOString(),
    actor: ACTOR,
    onBehalfOf: base.uploader,
    action: held ? 'intake.hold' : 'intake.reject',
    ...(held && (subject ?? error.subject) ? { subject: subject ?? error.subject } : {}),
    purpose: PURPOSE,
    outcome: `${status}:${error.code}`,
    requestId: event.requestId,
    details: {
      intakeId: base.intakeId,
      code: error.code,
      ...bytesDetails(base),
      ...sealDetails(base.signer),
    },
  });
  await deps.statuses.put({
    ...base,
    updatedAt: now().toISOString(),
    status,
    code: error.code,
    ...(error instanceof ExtractRejectedError && error.field ? { field: error.field } : {}),
    message: error.messages,
  });
  return { intakeId: base.intakeId, status, code: error.code };
}
