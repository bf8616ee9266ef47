/**
 * Auditors and the data-protection officer: search the access log, and answer a data subject's
 * access request. Their own queries are audited too.
 */
import { stringify } from 'csv-stringify/sync';
import type { Principal } from '../domain/principal.js';
import { CSV_HEADER, CSV_ROWS } from '../contract/csv.js';
import { maskNationalNumber } from '../domain/national-number.js';
import { RequestRefusedError, actorOf, auditOrRefuse } from './errors.js';
import type { Page, SubjectReport, Verification } from '../contract/api.js';
import type { AuditLog, AuditRecord, KeyService, LedgerStore, NameCipher } from '../ports/index.js';
import { pageOf } from './clerk.js';
import { verifyAudit } from './audit-seal.js';
import type { AuditSealPorts } from '../ports/audit-seal.js';
import { requireNationalNumber } from './consult.js';

export interface AuditQueryDeps {
  readonly audit: AuditLog;
  readonly ledger: LedgerStore;
  readonly keys: KeyService;
  readonly names: NameCipher;
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

/** The audit records matching a filter, oldest first. The subject is given as a national number. */
export async function findEvents(deps: AuditQueryDeps, ctx: Ctx, query: Record<string, string>) {
  const from = isoOrThrow('from', query.from);
  const to = isoOrThrow('to', query.to);
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
      details: Object.fromEntries(Object.entries(query).filter(([k]) => k !== 'subject' && k !== 'next')),
    },
  ]);
  const all = await deps.audit.list();
  const match = (r: AuditRecord) =>
    (!subject || r.subject === subject) &&
    (!query.actor || r.actor.id === query.actor) &&
    (!query.institution || r.actor.institution === query.institution) &&
    (!query.action || r.action === query.action || r.action.startsWith(`${query.action}.`)) &&
    (!query.outcome || r.outcome === query.outcome || r.outcome.startsWith(`${query.outcome}:`)) &&
    (!from || r.at >= from) &&
    (!to || r.at <= to);
  return all.filter(match);
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

export async function listEvents(
  deps: AuditQueryDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<Page<AuditRecord>> {
  return pageOf(await findEvents(deps, ctx, query), query, 1000);
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
    deps.audit.list(),
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
    accesses: records.filter((r) => r.subject === pseudonym).map(({ subject: _s, ...r }) => r),
  };
}

/**
 * Recomputes the signed checkpoint chain and every record's hash; reports the first record that
 * was altered, removed, inserted or reordered, and any checkpoint whose signature fails.
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
  const result = await verifyAudit({
    ...deps.seal,
    publicKeyPem: await deps.seal.signer.publicKeyPem(),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  });
  return { ...result, publicKeyPem: await deps.seal.signer.publicKeyPem() };
}
