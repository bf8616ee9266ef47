/**
 * AHOVOKS operators: the intake pause switch, held extracts, and imports from DHO. Every action
 * is audited; imports are validated line by line and idempotent.
 */
import { bytesDetails } from '../domain/audit-details.js';
import { parse as parseCsv } from 'csv-parse/sync';
import { CSV_READ } from '../contract/csv.js';
import { academicYearRule, parseAcademicYear } from '../domain/academic-year.js';
import type { Principal } from '../domain/principal.js';
import { defaultRegister } from '../domain/institutions.js';
import { identityKey, sha256Hex } from '../domain/ledger.js';
import { LIMITS } from '../domain/limits.js';
import { holdMessage } from '../domain/messages.js';
import { checkNationalNumber, invalidNationalNumber } from '../domain/national-number.js';
import type { Message } from '../domain/types.js';
import { RequestRefusedError, actorOf, auditOrRefuse } from './errors.js';
import type { HeldItem, HeldPage, ImportReport, IntakeSwitch } from '../contract/api.js';
import { reviewImageKey } from '../domain/extract-keys.js';
import { DEAD_LETTER_QUEUES, isDeadLetterQueue, type RedriveResult } from '../domain/dead-letters.js';
import {
  APPROVABLE_HOLDS,
  type AuditLog,
  type ExtractStore,
  type IntakeControl,
  type IntakeQueue,
  type IntakeStatus,
  type IntakeStatusStore,
  type KeyService,
  type LedgerStore,
  type NameCipher,
  type QueueOperations,
} from '../ports/index.js';
import { statusPage, publicStatus } from './clerk.js';

export interface AdminDeps {
  readonly control: IntakeControl;
  readonly statuses: IntakeStatusStore;
  readonly extracts: ExtractStore;
  readonly queue: IntakeQueue;
  readonly ledger: LedgerStore;
  readonly audit: AuditLog;
  readonly keys: KeyService;
  readonly names: NameCipher;
  /** Queue counts and dead-letter redrive (SQS on AWS, the local queues locally). */
  readonly queues: QueueOperations;
}

interface Ctx {
  readonly p: Principal;
  readonly requestId: string;
  readonly now: Date;
}

async function audited(
  deps: AdminDeps,
  ctx: Ctx,
  action: string,
  outcome: string,
  extra: { subject?: string; details?: Record<string, string | number> } = {},
) {
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:${action}`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action,
      purpose: 'operations',
      outcome,
      requestId: ctx.requestId,
      ...extra,
    },
  ]);
}

/**
 * The switch and the queue counts. `countsMayFail`: answer without counts when they cannot be read
 * (after setting the switch, which took effect whatever the counts do).
 */
export async function getIntake(
  deps: AdminDeps,
  options: { readonly countsMayFail?: boolean } = {},
): Promise<IntakeSwitch> {
  const counts = options.countsMayFail
    ? await deps.queues.counts().catch(() => undefined)
    : await deps.queues.counts();
  return {
    state: (await deps.control.isPaused()) ? 'paused' : 'running',
    ...(counts ? { queue: counts } : {}),
  };
}

/**
 * Puts a queue's dead letters back on it (once the cause is fixed): audited first, like every
 * operator action, with the queue named (a dead letter holds no personal data). Safe to repeat:
 * the intake processes an extract once, receivers deduplicate notifications by id, and a move that
 * is still running is reported, not started twice.
 */
export async function redriveDeadLetters(deps: AdminDeps, ctx: Ctx, queue: string): Promise<RedriveResult> {
  if (!isDeadLetterQueue(queue))
    throw new RequestRefusedError('not-found', 'UNKNOWN_QUEUE', {
      // The path is not echoed: whatever was typed there stays out of the answer and the logs.
      nl: `Onbekende wachtrij: kies ${DEAD_LETTER_QUEUES.join(' of ')}.`,
      en: `Unknown queue: choose ${DEAD_LETTER_QUEUES.join(' or ')}.`,
    });
  await audited(deps, ctx, 'dead-letters.redrive', 'REQUESTED', { details: { queue } });
  return deps.queues.redrive(queue);
}

export async function setIntake(
  deps: AdminDeps,
  ctx: Ctx,
  state: IntakeSwitch['state'],
): Promise<IntakeSwitch> {
  await audited(deps, ctx, 'intake.set', state.toUpperCase());
  await deps.control.setPaused(state === 'paused', `${ctx.p.role}:${ctx.p.sub}`);
  if (state === 'running') await requeueReceived(deps);
  // The switch is set: the answer says so even when the queue counts cannot be read just now
  // (the screen's next GET, which fails loudly, shows why).
  return getIntake(deps, { countsMayFail: true });
}

/** Statuses re-enqueued per page of the open-state index on resume. */
const REQUEUE_PAGE = 100;

/**
 * On resume: every open `RECEIVED` status back on the intake queue (the sparse open-state index,
 * page by page). The intake acknowledged these messages while paused; one processed meanwhile is
 * recognised by the object it is bound to and not processed again.
 */
export async function requeueReceived(deps: Pick<AdminDeps, 'statuses' | 'queue'>): Promise<number> {
  let next: string | undefined;
  let count = 0;
  do {
    const page = await deps.statuses.page(
      { state: 'RECEIVED' },
      { limit: REQUEUE_PAGE, ...(next ? { next } : {}) },
    );
    for (const s of page.items) {
      await deps.queue.enqueue(s.key, s.versionId);
      count++;
    }
    next = page.next;
  } while (next);
  return count;
}

/**
 * Held extracts, oldest first, one page at a time, from the sparse open-state index (never the
 * history), with what the operator needs to decide: ruling, docket, masked number, credit lines,
 * and the name read next to the name registered for that number. Showing the names is a read of
 * personal data: one audit record per extract (subject = the student), written first.
 */
export async function listHeld(
  deps: AdminDeps,
  ctx: Ctx,
  query: Record<string, string> = {},
): Promise<{ items: HeldItem[]; next?: string }> {
  await audited(deps, ctx, 'held.list', 'ALLOWED');
  const page = await statusPage(deps.statuses, { state: 'HELD' }, query);
  const items = await Promise.all(page.items.map((s) => heldItem(deps, ctx, s)));
  return { items, ...(page.next ? { next: page.next } : {}) };
}

async function heldItem(deps: AdminDeps, ctx: Ctx, s: IntakeStatus): Promise<HeldItem> {
  const r = s.review;
  if (!r) return publicStatus(s);
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:held.read-names:${s.intakeId}`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'held.read-names',
      subject: r.subject,
      purpose: 'operations',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
      details: { intakeId: s.intakeId },
    },
  ]);
  const context = { pseudonym: r.subject };
  const student = await deps.ledger.getStudent(r.subject);
  const [nameRead, nameRegistered] = await Promise.all([
    deps.names.decrypt(r.nameReadCiphertext, context).catch(() => undefined),
    student?.nameCiphertext
      ? deps.names.decrypt(student.nameCiphertext, context).catch(() => undefined)
      : undefined,
  ]);
  return {
    ...publicStatus(s),
    rulingNumber: r.rulingNumber,
    review: {
      rulingNumber: r.rulingNumber,
      docket: r.docket,
      rulingDate: r.rulingDate,
      nationalNumber: r.nationalNumberMasked,
      lines: [...r.lines],
      ...(nameRead ? { nameRead } : {}),
      ...(nameRegistered ? { nameRegistered } : {}),
      ...(r.pageImages?.length ? { pageImages: [...r.pageImages] } : {}),
    },
  };
}

async function heldOrThrow(deps: AdminDeps, intakeId: string) {
  const s = await deps.statuses.get(intakeId);
  if (!s || s.status !== 'HELD') {
    throw new RequestRefusedError('not-found', 'NOT_FOUND', {
      nl: 'Geen vastgehouden uittreksel met dit nummer.',
      en: 'No held extract with this id.',
    });
  }
  return s;
}

/**
 * The image of page `page` of a held scan, for the operator to compare with the values read
 * (audited: it shows the student's extract).
 */
export async function heldPage(deps: AdminDeps, ctx: Ctx, intakeId: string, page: string): Promise<HeldPage> {
  const s = await heldOrThrow(deps, intakeId);
  const n = Number(page);
  const stored =
    Number.isInteger(n) && s.review?.pageImages?.includes(n)
      ? await deps.extracts.get(reviewImageKey(intakeId, n), LIMITS.maxExtractBytes)
      : undefined;
  if (!stored || 'tooLarge' in stored) {
    throw new RequestRefusedError('not-found', 'NOT_FOUND', {
      nl: 'Van deze pagina van het vastgehouden uittreksel is geen afbeelding bewaard.',
      en: 'No image was kept of this page of the held extract.',
    });
  }
  await audited(deps, ctx, 'held.read-page', 'ALLOWED', {
    ...(s.review ? { subject: s.review.subject } : {}),
    details: { intakeId, page: n },
  });
  const dataUrl = `data:image/png;base64,${Buffer.from(stored.bytes).toString('base64')}`;
  return { intakeId, page: n, contentType: 'image/png', dataUrl };
}

/**
 * Approves a held extract past its check — the identity (after DBRC confirmed it) or a scan (after
 * the operator compared the values read with its page image) — and re-processes exactly its bytes.
 */
export async function approveHeld(deps: AdminDeps, ctx: Ctx, intakeId: string) {
  const s = await heldOrThrow(deps, intakeId);
  const code = APPROVABLE_HOLDS.find((h) => h === s.code);
  if (!code) {
    throw new RequestRefusedError('conflict', 'CANNOT_APPROVE', {
      nl: 'Een arrest dat al met andere inhoud verwerkt is, kan niet goedgekeurd worden: wijs het af en laat DBRC de verbetering melden.',
      en: 'A ruling already applied with other content cannot be approved: reject it and have DBRC report the correction.',
    });
  }
  // The approval covers the bytes that were held and reviewed, nothing else: read exactly that
  // version (AWS) and check its hash. A key re-posted since (s3rver has no versions, so there the
  // held bytes are overwritten) is refused; the new object is an intake of its own.
  const stored = await deps.extracts.get(s.key, LIMITS.maxExtractBytes, s.versionId);
  if (!stored) {
    throw new RequestRefusedError('gone', 'EXTRACT_GONE', {
      nl: 'Het uittreksel bestaat niet meer (bewaartermijn verstreken).',
      en: 'The extract no longer exists (retention expired).',
    });
  }
  if (!s.sha256 || 'tooLarge' in stored || sha256Hex(stored.bytes) !== s.sha256) {
    await audited(deps, ctx, 'held.approve', 'REFUSED:EXTRACT_CHANGED', {
      details: { intakeId, code },
    });
    throw new RequestRefusedError('conflict', 'EXTRACT_CHANGED', {
      nl: 'Het vastgehouden uittreksel werd na het vasthouden vervangen door een ander bestand. Een goedkeuring geldt alleen voor de gecontroleerde inhoud en wordt geweigerd; het nieuwe bestand wordt apart verwerkt. Wijs dit uittreksel af.',
      en: 'The held extract was replaced by another file after it was held. An approval covers only the reviewed content and is refused; the new file is processed on its own. Reject this extract.',
    });
  }
  await audited(deps, ctx, 'held.approve', 'APPROVED', { details: { intakeId, code } });
  const at = ctx.now.toISOString();
  await deps.statuses.put({
    ...s,
    status: 'RECEIVED',
    updatedAt: at,
    approvedOverrides: [...(s.approvedOverrides ?? []), code],
    reviewedBy: ctx.p.sub,
    message: {
      nl: 'Goedgekeurd na controle; wordt verwerkt.',
      en: 'Approved after review; being processed.',
    },
  });
  await deps.queue.enqueue(s.key, s.versionId);
  return publicStatus((await deps.statuses.get(intakeId))!);
}

/** Rejects a held extract; the reason is required: DBRC is shown it and must act on it. */
export async function rejectHeld(deps: AdminDeps, ctx: Ctx, intakeId: string, reason: string | undefined) {
  if (!reason?.trim()) {
    throw new RequestRefusedError('invalid', 'REASON_REQUIRED', {
      nl: 'Geef een reden voor de afwijzing: DBRC krijgt ze te zien.',
      en: 'Give a reason for the rejection: DBRC is shown it.',
    });
  }
  const s = await heldOrThrow(deps, intakeId);
  await audited(deps, ctx, 'held.reject', 'REJECTED', {
    details: { intakeId, code: s.code ?? '', ...bytesDetails(s) },
  });
  const base: Message = s.code
    ? holdMessage(s.code as 'IDENTITY_MISMATCH' | 'CONFLICTING_DUPLICATE')
    : { nl: '', en: '' };
  const why = reason.trim().slice(0, 500);
  const { review: _review, ...kept } = s; // the review (an encrypted name) goes with the decision
  await deps.statuses.put({
    ...kept,
    status: 'REJECTED',
    updatedAt: ctx.now.toISOString(),
    reviewedBy: ctx.p.sub,
    decisionRecordId: `${ctx.requestId}:held.reject`,
    message: {
      nl: `Afgewezen na controle door AHOVOKS${why ? `: ${why}` : ''}. ${base.nl.split('.')[0]}. Laad een verbeterd uittreksel op.`,
      en: `Rejected after review by AHOVOKS${why ? `: ${why}` : ''}. ${base.en.split('.')[0]}. Upload a corrected extract.`,
    },
  });
  await deps.extracts.tagOutcome(s.key, 'rejected', s.versionId);
  return publicStatus((await deps.statuses.get(intakeId))!);
}

export type { ImportReport, IntakeSwitch } from '../contract/api.js';

function rows(csv: string, columns: readonly string[]): { line: number; values: string[] }[] {
  let records: string[][];
  try {
    records = parseCsv(csv, CSV_READ) as string[][];
  } catch (e) {
    throw new RequestRefusedError('invalid', 'INVALID_CSV', {
      nl: `Het CSV-bestand kan niet gelezen worden: ${(e as Error).message}`,
      en: `The CSV cannot be read: ${(e as Error).message}`,
    });
  }
  const header = records[0]?.map((h) => h.toLowerCase().replace(/[^a-z]/g, '')) ?? [];
  const hasHeader = columns.every((c, i) => header[i] === c.toLowerCase());
  return records.slice(hasHeader ? 1 : 0).map((values, i) => ({ line: i + (hasHeader ? 2 : 1), values }));
}

const refuse = (line: number, code: string, nl: string, en: string) => ({
  line,
  code,
  message: { nl: `Lijn ${line}: ${nl}`, en: `Line ${line}: ${en}` },
});

function nationalNumberOrRefusal(line: number, text: string) {
  const c = checkNationalNumber(text ?? '');
  if (!c.valid || !c.digits) {
    const m = invalidNationalNumber(text, c.problem);
    return { refusal: refuse(line, 'INVALID_RRN', `${m.nl}.`, `${m.en}.`) };
  }
  return { digits: c.digits };
}

/** Opening balances: `nationalNumber,surname,givenNames,openingBalance` per line (header optional). */
export async function importBalances(deps: AdminDeps, ctx: Ctx, csv: string): Promise<ImportReport> {
  const input = rows(csv, ['nationalnumber', 'surname', 'givennames', 'openingbalance']);
  await audited(deps, ctx, 'import.balances', 'STARTED', { details: { lines: input.length } });
  const refused: { line: number; code: string; message: Message }[] = [];
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  for (const { line, values } of input) {
    const [nn, surname, givenNames, opening] = values;
    const id = nationalNumberOrRefusal(line, nn ?? '');
    if (id.refusal) {
      refused.push(id.refusal);
      continue;
    }
    if (!surname || !givenNames) {
      refused.push(
        refuse(
          line,
          'MISSING_FIELD',
          'familienaam en voornamen zijn verplicht.',
          'surname and given names are required.',
        ),
      );
      continue;
    }
    if (!/^\d{1,3}$/.test(opening ?? '') || Number(opening) > 1000) {
      refused.push(
        refuse(
          line,
          'INVALID_FIELD',
          'beginsaldo moet een geheel getal van 0 tot 1000 zijn.',
          'the opening balance must be a whole number from 0 to 1000.',
        ),
      );
      continue;
    }
    const pseudonym = await deps.keys.mac('pseudonym', id.digits);
    const r = await deps.ledger.importOpening(pseudonym, {
      openingBalance: Number(opening),
      identityTag: await deps.keys.mac('identity', identityKey(surname, givenNames)),
      nameCiphertext: () => deps.names.encrypt({ surname, givenNames }, { pseudonym }),
    });
    if (r === 'created') created++;
    else if (r === 'updated') updated++;
    else unchanged++;
  }
  const report = {
    lines: input.length,
    accepted: created + updated + unchanged,
    created,
    updated,
    unchanged,
    refused,
  };
  await audited(deps, ctx, 'import.balances.done', `ACCEPTED:${report.accepted}/REFUSED:${refused.length}`);
  return report;
}

/** Enrolments: `nationalNumber,institution,academicYear` per line (header optional). */
export async function importEnrolments(deps: AdminDeps, ctx: Ctx, csv: string): Promise<ImportReport> {
  const input = rows(csv, ['nationalnumber', 'institution', 'academicyear']);
  await audited(deps, ctx, 'import.enrolments', 'STARTED', { details: { lines: input.length } });
  const refused: { line: number; code: string; message: Message }[] = [];
  let created = 0;
  let unchanged = 0;
  for (const { line, values } of input) {
    const [nn, institutionText, year] = values;
    const id = nationalNumberOrRefusal(line, nn ?? '');
    if (id.refusal) {
      refused.push(id.refusal);
      continue;
    }
    const institution =
      defaultRegister.byInstitutionCode((institutionText ?? '').toUpperCase()) ??
      defaultRegister.match(institutionText ?? '');
    if (!institution) {
      refused.push(
        refuse(
          line,
          'UNKNOWN_INSTITUTION',
          `onbekende instelling «${institutionText ?? ''}».`,
          `unknown institution "${institutionText ?? ''}".`,
        ),
      );
      continue;
    }
    const academicYear = parseAcademicYear(year ?? '', ctx.now);
    if (!academicYear) {
      const rule = academicYearRule(ctx.now);
      refused.push(
        refuse(
          line,
          'INVALID_FIELD',
          `ongeldig academiejaar «${year ?? ''}» (${rule.nl}).`,
          `invalid academic year "${year ?? ''}" (${rule.en}).`,
        ),
      );
      continue;
    }
    const r = await deps.ledger.putEnrolment({
      pseudonym: await deps.keys.mac('pseudonym', id.digits),
      institution: institution.code,
      academicYear,
      source: 'import',
      by: ctx.p.sub,
      at: ctx.now.toISOString(),
    });
    if (r === 'created') created++;
    else unchanged++;
  }
  const report = {
    lines: input.length,
    accepted: created + unchanged,
    created,
    updated: 0,
    unchanged,
    refused,
  };
  await audited(deps, ctx, 'import.enrolments.done', `ACCEPTED:${report.accepted}/REFUSED:${refused.length}`);
  return report;
}
