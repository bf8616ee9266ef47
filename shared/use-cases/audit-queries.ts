/**
 * Auditors and the data-protection officer: search the access log, and answer a data subject's
 * access request. Their own queries are audited too.
 */
import { stringify } from 'csv-stringify/sync';
import type { Principal } from '../domain/principal.js';
import { CSV_HEADER, CSV_ROWS } from '../contract/csv.js';
import { maskNationalNumber, stripSeparators } from '../domain/national-number.js';
import { looksLikeNationalNumber } from '../domain/audit-details.js';
import {
  ALL_SCOPE,
  NO_INSTITUTION,
  lastDays,
  nextDay,
  periodTotal,
  wholeDays,
} from '../domain/audit-stats.js';
import { alertsFrom, DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from '../domain/audit-alerts.js';
import { RequestRefusedError, actorOf, auditOrRefuse } from './errors.js';
import type {
  AuditAlerts,
  AuditChart,
  AuditEventsPage,
  FullVerificationStatus,
  SubjectReport,
  Verification,
} from '../contract/api.js';
import { pemVerifier } from '../domain/audit-chain.js';
import { verifyFullResult, verifyIncremental } from './audit-verify.js';
import {
  InvalidCursorError,
  type AuditFilter,
  type AuditLog,
  type AuditRecord,
  type AuditRecordPage,
  type AuditStatsStore,
  type KeyService,
  type LedgerStore,
  type NameCipher,
} from '../ports/index.js';
import { proveSealedRecord } from './audit-proof.js';
import type { RecordProof } from '../domain/audit-proof.js';
import type { AuditSealPorts } from '../ports/audit-seal.js';
import { requireNationalNumber } from './consult.js';

export interface AuditQueryDeps {
  readonly audit: AuditLog;
  readonly ledger: LedgerStore;
  readonly keys: KeyService;
  readonly names: NameCipher;
  /** The per-day counters the sealer keeps (the chart, and the first day of the log). */
  readonly stats: AuditStatsStore;
  /** Thresholds of the auditors' alerts (default `DEFAULT_ALERT_THRESHOLDS`). */
  readonly alertThresholds?: AlertThresholds;
}

interface Ctx {
  readonly p: Principal;
  readonly requestId: string;
  readonly now: Date;
}

export interface EventFilter {
  subject?: string;
  actor?: string;
  institution?: string;
  action?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

function isoOrThrow(name: string, v: string | undefined): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) {
    throw new RequestRefusedError('invalid', 'INVALID_REQUEST', {
      nl: `${name} moet een datum of tijdstip (ISO 8601) zijn.`,
      en: `${name} must be an ISO 8601 date or time.`,
    });
  }
  return d.toISOString();
}

const invalidCursor = () =>
  new RequestRefusedError('invalid', 'INVALID_CURSOR', {
    nl: 'Ongeldige paginacursor.',
    en: 'Invalid page cursor.',
  });

/** Page sizes: 50 by default, at most `max`. */
function limitOf(query: Record<string, string>, max: number): number {
  const limit = query.limit ? Number(query.limit) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new RequestRefusedError('invalid', 'INVALID_LIMIT', {
      nl: `limit moet tussen 1 en ${max} liggen.`,
      en: `limit must be from 1 to ${max}.`,
    });
  }
  return limit;
}

/**
 * What an auditor typed, as the trail may keep it: a value shaped like a national number as its
 * pseudonym (the DPO can still find the queries about that person), any other free text as a
 * keyed hash; `code` keeps values that have the shape of a code (institution, action, outcome).
 */
async function typedValue(keys: KeyService, value: string, code?: RegExp): Promise<string> {
  if (looksLikeNationalNumber(value))
    return `pseudonym:${await keys.mac('pseudonym', stripSeparators(value.trim()))}`;
  if (code?.test(value)) return value;
  return `hmac:${await keys.mac('audit-query', value)}`;
}

/** The details of an auditor's query record: which filters, and their values only as codes or hashes. */
async function queryDetails(
  keys: KeyService,
  query: Record<string, string>,
  checked: { from?: string | undefined; to?: string | undefined; limit?: number },
): Promise<Record<string, string | number>> {
  const used = ['subject', 'actor', 'institution', 'action', 'outcome', 'from', 'to', 'limit', 'next'].filter(
    (k) => query[k] !== undefined && query[k] !== '',
  );
  const details: Record<string, string | number> = { filters: used.join(',') };
  if (query.actor) details.actor = await typedValue(keys, query.actor);
  if (query.institution)
    details.institution = await typedValue(keys, query.institution, /^[A-Z][A-Z0-9-]{1,15}$/);
  if (query.action) details.action = await typedValue(keys, query.action, /^[a-z][a-z.-]{0,39}$/);
  if (query.outcome) details.outcome = await typedValue(keys, query.outcome, /^[A-Z][A-Z_:]{0,39}$/);
  if (checked.from) details.from = checked.from;
  if (checked.to) details.to = checked.to;
  if (checked.limit !== undefined) details.limit = checked.limit;
  return details;
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** How far back an unfiltered listing looks before the sealer has counted any day. */
const UNSEALED_LOOKBACK_DAYS = 62;

/** The days an unfiltered listing walks: from tomorrow (clock skew) back to the log's first day. */
async function dayRange(
  deps: Pick<AuditQueryDeps, 'stats'>,
  now: Date,
): Promise<{ newestDay: string; oldestDay: string }> {
  const yesterday = dayOf(new Date(now.getTime() - 86_400_000));
  const first = (await deps.stats.watermark())?.firstDay;
  return {
    newestDay: dayOf(new Date(now.getTime() + 86_400_000)),
    // Once the sealer has counted, the log starts at its first day. Before that (a new log, or a
    // sealer that has not run yet) records may still be days old: walk back a bounded window
    // rather than hide them (each call stays bounded; the cursor goes on from where it stopped).
    oldestDay: first
      ? first < yesterday
        ? first
        : yesterday
      : dayOf(new Date(now.getTime() - UNSEALED_LOOKBACK_DAYS * 86_400_000)),
  };
}

/**
 * One page of the audit records matching a filter, newest first. The subject is given as a national
 * number. Each call reads one index partition (subject, actor, institution, else day by day) and
 * costs its page, whatever the size of the log. The query is itself audited first.
 */
export async function findEvents(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<AuditRecordPage> {
  const { filter, limit } = await auditedFilter(deps, ctx, query);
  return pageOrRefuse(deps, ctx, filter, limit, query.next);
}

async function pageOrRefuse(
  deps: AuditQueryDeps,
  ctx: Ctx,
  filter: AuditFilter,
  limit: number,
  next: string | undefined,
): Promise<AuditRecordPage> {
  try {
    return await deps.audit.query(filter, {
      limit,
      ...(next ? { next } : {}),
      ...(await dayRange(deps, ctx.now)),
    });
  } catch (e) {
    if (e instanceof InvalidCursorError) throw invalidCursor();
    throw e;
  }
}

/** Checks the query, audits it (before anything is read) and returns the store's filter. */
async function auditedFilter(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<{ filter: AuditFilter; limit: number }> {
  const from = isoOrThrow('from', query.from);
  const to = isoOrThrow('to', query.to);
  const limit = limitOf(query, 1000);
  const subject = query.subject
    ? await deps.keys.mac('pseudonym', requireNationalNumber(query.subject))
    : undefined;
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:query`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.query',
      ...(subject ? { subject } : {}),
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
      details: await queryDetails(deps.keys, query, { from, to, ...(query.limit ? { limit } : {}) }),
    },
  ]);
  const filter: AuditFilter = {
    ...(subject ? { subject } : {}),
    ...(query.actor ? { actorId: query.actor } : {}),
    ...(query.institution ? { institution: query.institution } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.outcome ? { outcome: query.outcome } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  return { filter, limit };
}

/** At most this many records in one CSV export (narrow the filter for more). */
export const CSV_MAX_RECORDS = 100_000;

/** Every record matching a filter (the CSV export), page by page; costs its result. */
export async function exportEvents(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<AuditRecord[]> {
  const { filter } = await auditedFilter(deps, ctx, { ...query, limit: '1000' });
  const out: AuditRecord[] = [];
  let next = query.next;
  do {
    const page = await pageOrRefuse(deps, ctx, filter, 1000, next);
    out.push(...page.items);
    next = page.next;
  } while (next && out.length < CSV_MAX_RECORDS);
  return out.slice(0, CSV_MAX_RECORDS);
}

const CSV_COLUMNS = [
  'at',
  'id',
  'actorId',
  'actorRole',
  'actorInstitution',
  'action',
  'subject',
  'purpose',
  'outcome',
  'requestId',
] as const;

/** The audit records as CSV (the export dialect of shared/contract/csv.ts). */
export function eventsCsv(records: readonly AuditRecord[]): string {
  const rows = records.map((r) => [
    r.at,
    r.id,
    r.actor.id,
    r.actor.role,
    r.actor.institution,
    r.action,
    r.subject,
    r.purpose,
    r.outcome,
    r.requestId,
  ]);
  return stringify([[...CSV_COLUMNS]], CSV_HEADER) + stringify(rows, CSV_ROWS);
}

/**
 * One page of the audit records (`findEvents`) with, for the unfiltered and the institution-only
 * views over whole UTC days, the period's total from the sealer's cumulative counters (on every
 * page: at most one batch read and two one-item queries, whatever the log holds).
 */
export async function listEvents(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<AuditEventsPage> {
  const { filter, limit } = await auditedFilter(deps, ctx, query);
  const [page, total] = await Promise.all([
    pageOrRefuse(deps, ctx, filter, limit, query.next),
    eventsTotal(deps, filter),
  ]);
  return { items: page.items, ...(page.next ? { next: page.next } : {}), ...(total ?? {}) };
}

/**
 * How many records a filter's period holds, when the counters can say: no subject, actor, action or
 * outcome filter (they are not counted), whole UTC days, and counters that cover the log. Never
 * reads records. Counted up to `countedUpTo` (the sealer's cutoff): newer records are not in it.
 */
export async function eventsTotal(
  deps: Pick<AuditQueryDeps, 'stats'>,
  filter: AuditFilter,
): Promise<{ total: number; countedUpTo: string } | undefined> {
  if (filter.subject || filter.actorId || filter.action || filter.outcome) return undefined;
  // `-` is the counters' scope of actors without an institution; as a filter it finds no record.
  if (filter.institution === NO_INSTITUTION || filter.institution === ALL_SCOPE) return undefined;
  const days = wholeDays(filter.from, filter.to);
  if (!days) return undefined;
  const scope = filter.institution ?? ALL_SCOPE;
  const [counted, atFrom, afterTo] = await Promise.all([
    deps.stats.cumulative(scope),
    days.fromDay ? deps.stats.cumulativeBefore(scope, days.fromDay) : Promise.resolve(0),
    days.toDay ? deps.stats.cumulativeBefore(scope, nextDay(days.toDay)) : Promise.resolve(undefined),
  ]);
  if (!counted) return undefined;
  // The day index is eventually consistent: just after the sealer first counts a day, its item may
  // not be found yet. A day the scope's running total has reached must have an item; if the query
  // found none, give no total rather than a wrong one (the next call, a moment later, has it).
  const last = counted.lastDay;
  if (last && days.fromDay && atFrom === undefined && last >= days.fromDay) return undefined;
  if (last && days.toDay && afterTo === undefined && last > days.toDay) return undefined;
  return { total: periodTotal(counted.running, atFrom, afterTo), countedUpTo: counted.countedUpTo };
}

/**
 * Consultations per institution per UTC day over the last `days` days (7, 14 or 31), from the
 * sealer's per-day counters: one read per day, whatever the log holds. Records not yet sealed
 * (the last minute or so) are not counted yet; `countedUpTo` says up to when.
 */
export async function auditChart(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<AuditChart> {
  const n = query.days ? Number(query.days) : 14;
  if (![7, 14, 31].includes(n)) {
    throw new RequestRefusedError('invalid', 'INVALID_REQUEST', {
      nl: 'days moet 7, 14 of 31 zijn.',
      en: 'days must be 7, 14 or 31.',
    });
  }
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:chart`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.chart',
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
      details: { filters: '', days: n },
    },
  ]);
  const days = lastDays(ctx.now, n);
  const [counts, watermark] = await Promise.all([deps.stats.days(days), deps.stats.watermark()]);
  return {
    days,
    counts: counts.map((c) => ({
      day: c.day,
      institution: c.institution,
      allowed: c.allowed,
      denied: c.denied,
    })),
    countedUpTo: watermark?.cutoff ?? null,
  };
}

/**
 * The auditors' alerts over the last 7, 14 or 31 UTC days: the per-day counters (one item per
 * day, however long the log) above their thresholds. Audited like the chart.
 */
export async function auditAlerts(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<AuditAlerts> {
  const n = query.days ? Number(query.days) : 7;
  if (![7, 14, 31].includes(n)) {
    throw new RequestRefusedError('invalid', 'INVALID_REQUEST', {
      nl: 'days moet 7, 14 of 31 zijn.',
      en: 'days must be 7, 14 or 31.',
    });
  }
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:alerts`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.alerts',
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
      details: { filters: '', days: n },
    },
  ]);
  const thresholds = deps.alertThresholds ?? DEFAULT_ALERT_THRESHOLDS;
  const days = lastDays(ctx.now, n);
  const [counts, watermark] = await Promise.all([deps.stats.days(days), deps.stats.watermark()]);
  return {
    days,
    // Newest day first; within a day by institution and kind.
    alerts: alertsFrom(counts, thresholds).sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0)),
    thresholds: { ...thresholds },
    countedUpTo: watermark?.cutoff ?? null,
  };
}

/**
 * One page of the accesses to one person's data (by pseudonym), newest first, through the subject
 * index: the student's own view (`GET /v1/me`) reads it page by page. Costs the page.
 */
export async function subjectAccessPage(
  deps: Pick<AuditQueryDeps, 'audit' | 'stats'>,
  now: Date,
  pseudonym: string,
  limit: number,
  next: string | undefined,
): Promise<AuditRecordPage> {
  try {
    return await deps.audit.query(
      { subject: pseudonym },
      { limit, ...(next ? { next } : {}), ...(await dayRange(deps, now)) },
    );
  } catch (e) {
    if (e instanceof InvalidCursorError) throw invalidCursor();
    throw e;
  }
}

/** Every access to one person's data, newest first, through the subject index (costs the result). */
async function accessesOf(deps: AuditQueryDeps, ctx: Ctx, pseudonym: string): Promise<AuditRecord[]> {
  const range = await dayRange(deps, ctx.now);
  const out: AuditRecord[] = [];
  let next: string | undefined;
  do {
    const page = await deps.audit.query(
      { subject: pseudonym },
      { limit: 1000, ...(next ? { next } : {}), ...range },
    );
    out.push(...page.items);
    next = page.next;
  } while (next);
  return out;
}

/**
 * The data-subject report (GDPR art. 15): the registered name, the balance, every ledger entry and
 * enrolment about the person, and every access to their data.
 */
export async function subjectReport(
  deps: AuditQueryDeps,
  ctx: Ctx,
  nationalNumber: string,
): Promise<SubjectReport> {
  const digits = requireNationalNumber(nationalNumber);
  const pseudonym = await deps.keys.mac('pseudonym', digits);
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:subject`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.subject-report',
      subject: pseudonym,
      purpose: 'data-subject-access',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
    },
  ]);
  const [{ student, entries, enrolments }, records] = await Promise.all([
    deps.ledger.readStudentFile(pseudonym),
    accessesOf(deps, ctx, pseudonym),
  ]);
  const name = student?.nameCiphertext
    ? await deps.names.decrypt(student.nameCiphertext, { pseudonym })
    : undefined;
  return {
    nationalNumber: maskNationalNumber(digits),
    known: Boolean(student),
    ...(name ? { name } : {}),
    ...(student ? { balance: student.balance, openingBalance: student.openingBalance } : {}),
    ledgerEntries: entries.map(({ pseudonym: _p, ...e }) => e),
    enrolments: enrolments.map(({ pseudonym: _p, ...e }) => e),
    accesses: records.map(({ subject: _s, ...r }) => r),
  };
}

/**
 * Verifies what was sealed since the last verified signed head (the sealer advances it each run),
 * and with from/to also the checkpoints and records of that window: the cost is the new part and
 * the window, not the history. The whole log is re-verified by the full verification job.
 */
export async function verifyTrail(
  deps: AuditQueryDeps & { seal: AuditSealPorts },
  ctx: Ctx,
  query: Record<string, string>,
): Promise<Verification> {
  const from = isoOrThrow('from', query.from);
  const to = isoOrThrow('to', query.to);
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:verify`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.verify',
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
    },
  ]);
  const publicKeyPem = await deps.seal.signer.publicKeyPem();
  const {
    verifiedHead: _head,
    peakRecordsHeld: _peak,
    ...result
  } = await verifyIncremental({
    audit: deps.seal.audit,
    checkpoints: deps.seal.checkpoints,
    publicKeyPem,
    now: ctx.now,
    ...(deps.seal.verifiedHead ? { verifiedHead: deps.seal.verifiedHead } : {}),
    ...(deps.seal.retentionYears !== undefined ? { retentionYears: deps.seal.retentionYears } : {}),
    ...(from ? { from: new Date(from).toISOString() } : {}),
    ...(to ? { to: new Date(to).toISOString() } : {}),
  });
  return { ...result, publicKeyPem };
}

/** The full verification's state as the auditor sees it, with its last signed result. */
async function fullState(
  deps: AuditQueryDeps & { seal: AuditSealPorts },
  extra: { requested?: boolean } = {},
): Promise<FullVerificationStatus> {
  const store = deps.seal.fullVerification;
  if (!store)
    throw new RequestRefusedError('conflict', 'NOT_CONFIGURED', {
      nl: 'De volledige verificatie is hier niet ingericht.',
      en: 'The full verification is not set up here.',
    });
  const publicKeyPem = await deps.seal.signer.publicKeyPem();
  const [progress, last] = await Promise.all([store.progress(), store.lastResult()]);
  return {
    status: progress?.status ?? 'idle',
    ...extra,
    ...(progress
      ? {
          progress: {
            requestedAt: progress.requestedAt,
            ...(progress.startedAt ? { startedAt: progress.startedAt } : {}),
            nextSequence: progress.nextSequence,
            ...(progress.untilSequence !== undefined ? { untilSequence: progress.untilSequence } : {}),
            checkedCheckpoints: progress.checkedCheckpoints,
            checkedRecords: progress.checkedRecords,
            problemCount: progress.problemCount,
          },
        }
      : {}),
    lastResult: last
      ? {
          result: last.result as Record<string, unknown>,
          signature: last.signature,
          signatureValid: verifyFullResult(last, pemVerifier(publicKeyPem)),
        }
      : null,
    publicKeyPem,
  };
}

/**
 * Starts the full re-verification (`POST /v1/audit/verify/full`): stores the request the sealer
 * picks up on its next run (every minute on AWS, every 10 s locally); a job already in progress
 * is not restarted. Audited like every auditor action.
 */
export async function startFullVerification(
  deps: AuditQueryDeps & { seal: AuditSealPorts },
  ctx: Ctx,
): Promise<FullVerificationStatus> {
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:verify-full`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.verify.full.start',
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
    },
  ]);
  const requested = (await deps.seal.fullVerification?.request(ctx.now.toISOString())) ?? false;
  return fullState(deps, { requested });
}

/** The full verification's progress and last signed result (`GET /v1/audit/verify/full`). */
export async function fullVerificationStatus(
  deps: AuditQueryDeps & { seal: AuditSealPorts },
  ctx: Ctx,
): Promise<FullVerificationStatus> {
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:verify-full-status`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.verify.full.status',
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
    },
  ]);
  return fullState(deps);
}

/**
 * The inclusion proof of one record (`GET /v1/audit/records/{id}/proof`): verifiable offline with
 * the public key alone (`ruling-intake audit prove`). 404 when no signed tree head covers it yet.
 * A handful of reads at any age of the log (`proveSealedRecord`: the Merkle tiles).
 */
export async function proveAuditRecord(
  deps: AuditQueryDeps & { seal: AuditSealPorts; onTileProblem?: (reason: string) => void },
  ctx: Ctx,
  recordId: string,
): Promise<RecordProof & { publicKeyPem: string }> {
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:prove`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'audit.prove',
      purpose: 'audit',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
      details: { recordId: `hmac:${await deps.keys.mac('audit-query', recordId)}` },
    },
  ]);
  const publicKeyPem = await deps.seal.signer.publicKeyPem();
  const proven = await proveSealedRecord(
    {
      checkpoints: deps.seal.checkpoints,
      ...(deps.seal.tiles ? { tiles: deps.seal.tiles } : {}),
      audit: deps.seal.audit,
      publicKeyPem,
      ...(deps.onTileProblem ? { onTileProblem: deps.onTileProblem } : {}),
    },
    recordId,
  );
  if (proven.status !== 'proven')
    throw new RequestRefusedError('not-found', 'NOT_FOUND', {
      nl: 'Geen verzegeld auditrecord met dit nummer (nog niet verzegeld, of onbekend).',
      en: 'No sealed audit record with this id (not sealed yet, or unknown).',
    });
  return { ...proven.proof, publicKeyPem };
}
