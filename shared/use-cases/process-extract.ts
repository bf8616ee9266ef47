import { ExtractHeldError, ExtractRejectedError } from '../domain/errors.js';
import { contentHash, creditsReturned, entriesFor, identityKey, sha256Hex } from '../domain/ledger.js';
import { intakeIdentity } from '../domain/extract-keys.js';
import { LIMITS } from '../domain/limits.js';
import { hold, rejection } from '../domain/messages.js';
import type { ParseOptions } from '../domain/parser.js';
import { readExtract } from '../domain/visibility.js';
import type { Extract, IntakeOutcome } from '../domain/types.js';
import type {
  AuditLog,
  ExtractStore,
  IntakeStatus,
  IntakeStatusStore,
  KeyService,
  LedgerStore,
  NameCipher,
  PdfTextReader,
} from '../ports/index.js';

/** The steps of the intake, in order; a crash may happen after any of them. */
export const INTAKE_STEPS = [
  'read',
  'parse',
  'pseudonymise',
  'identity',
  'claim',
  'ledger-entries',
  'balance',
  'audit',
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
  readonly now?: () => Date;
  /** Called after each step; tests throw from it to inject crashes. */
  readonly afterStep?: (step: IntakeStep, intakeId: string) => void | Promise<void>;
  /** Per-step timings, for the benchmark. */
  readonly onTiming?: (step: IntakeStep, ms: number) => void;
}

export interface ExtractEvent {
  readonly key: string;
  readonly size?: number;
  /** The request that carried the event, for the audit trail. */
  readonly requestId: string;
}

export interface IntakeResult {
  readonly intakeId: string;
  readonly status: IntakeOutcome | 'ALREADY_DONE' | 'VANISHED';
  readonly code?: string;
}

const PURPOSE = 'learning-credit-correction';
const ACTOR = { id: 'service:intake', role: 'service' } as const;

/**
 * Processes one uploaded extract, exactly once in effect however often it is delivered.
 *
 * Primary course:
 *  1. Look up the intake status; an intake already finished is acknowledged again.
 *  2. Read the extract (refusing more than 10 MiB), record RECEIVED if no status exists yet,
 *     and parse it.
 *  3. Pseudonymise the national number (HMAC through the key service).
 *  4. Check the identity against the one registered for that pseudonym (or register it).
 *  5. Claim the ruling number for this content (a conditional write).
 *  6. Write the ledger entries, then add the returned credits to the balance — a conditional
 *     write that can succeed once per ruling and student.
 *  7. Append the access record to the audit trail (idempotent id).
 *  8. Record the outcome, delete every version of the extract, mark it deleted.
 *
 * Alternative courses: a rejected extract (reason code) or a held one (identity mismatch,
 * conflicting duplicate) is tagged, audited and kept; a duplicate rolls the first intake forward
 * (in case it crashed) and is then deleted like an applied one.
 */
export async function processExtract(event: ExtractEvent, deps: IntakeDeps): Promise<IntakeResult> {
  const now = deps.now ?? (() => new Date());
  const { intakeId, uploader } = intakeIdentity(event.key);
  let t = performance.now();
  const step = async (name: IntakeStep): Promise<void> => {
    const t2 = performance.now();
    deps.onTiming?.(name, t2 - t);
    t = t2;
    await deps.afterStep?.(name, intakeId);
  };

  const previous = await deps.statuses.get(intakeId);
  if (previous && previous.status !== 'RECEIVED' && previous.status !== 'AWAITING_UPLOAD') {
    if ((previous.status === 'APPLIED' || previous.status === 'DUPLICATE') && !previous.extractDeleted) {
      await finishRemoval(event.key, previous, deps, now);
    }
    return { intakeId, status: 'ALREADY_DONE' };
  }

  const stored = await deps.extracts.get(event.key, LIMITS.maxExtractBytes);
  if (!stored) return { intakeId, status: 'VANISHED' };
  const base: IntakeStatus = {
    intakeId,
    uploader,
    key: event.key,
    receivedAt: previous?.receivedAt ?? now().toISOString(),
    updatedAt: now().toISOString(),
    status: 'RECEIVED',
    size: stored.size,
    ...(previous?.approvedOverride ? { approvedOverride: previous.approvedOverride } : {}),
    ...(previous?.reviewedBy ? { reviewedBy: previous.reviewedBy } : {}),
  };
  // RECEIVED is recorded only when no status exists (an upload that did not go through the API);
  // one that exists is never overwritten here, so reading it first spares the conditional put.
  if (previous?.status === 'AWAITING_UPLOAD') await deps.statuses.put(base);
  else if (!previous) await deps.statuses.received(base);
  await step('read');

  try {
    if ('tooLarge' in stored) throw rejection('TOO_LARGE', 'file', { size: stored.size });
    const parsed = readExtract(await deps.pdf.read(stored.bytes), {
      ...deps.parse,
      now: deps.parse?.now ?? now(),
    });
    if (!parsed.ok) throw parsed.error;
    await step('parse');
    return await applyExtract(parsed.extract, stored.bytes, base, event, deps, now, step);
  } catch (error) {
    if (error instanceof ExtractRejectedError || error instanceof ExtractHeldError) {
      return keep(error, base, event, deps, now);
    }
    throw error;
  }
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
  if (student.identityTag !== identityTag && base.approvedOverride !== 'IDENTITY_MISMATCH') {
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

  await deps.ledger.putEntries(
    entriesFor(extract, {
      pseudonym,
      intakeId: firstIntake,
      extractSha256: sha256Hex(bytes),
      appliedAt: now().toISOString(),
    }),
  );
  await step('ledger-entries');
  const applied = await deps.ledger.applyRuling(pseudonym, extract.rulingNumber, creditsReturned(extract));
  await step('balance');

  await deps.audit.append({
    id: `intake:${intakeId}:${outcome.toLowerCase()}`,
    at: now().toISOString(),
    actor: ACTOR,
    onBehalfOf: base.uploader,
    action: outcome === 'APPLIED' ? 'ledger.apply-ruling' : 'ledger.duplicate-ruling',
    subject: pseudonym,
    purpose: PURPOSE,
    outcome,
    requestId: event.requestId,
    details: {
      intakeId,
      rulingNumber: extract.rulingNumber,
      credits: creditsReturned(extract),
      balanceWrite: applied,
    },
  });
  await step('audit');

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
  await deps.extracts.deleteAllVersions(key);
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
): Promise<IntakeResult> {
  const held = error instanceof ExtractHeldError;
  const status = held ? 'HELD' : 'REJECTED';
  await deps.extracts.tagOutcome(event.key, held ? 'held' : 'rejected');
  await deps.audit.append({
    id: `intake:${base.intakeId}:${status.toLowerCase()}`,
    at: now().toISOString(),
    actor: ACTOR,
    onBehalfOf: base.uploader,
    action: held ? 'intake.hold' : 'intake.reject',
    ...(held && error.subject ? { subject: error.subject } : {}),
    purpose: PURPOSE,
    outcome: `${status}:${error.code}`,
    requestId: event.requestId,
    details: { intakeId: base.intakeId, code: error.code },
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
