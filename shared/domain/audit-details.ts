/**
 * The details an audit record may carry: a fixed schema per action, nothing free. Whatever a
 * caller typed reaches the trail only in a form that cannot leak it: a value shaped like a
 * national number as its pseudonym (never in clear, not even masked), any other free text as a
 * keyed hash; codes only when they have the shape of a code. Checked by the writer: a record whose
 * details do not fit is refused (so the caller gets 503 and no data — fail closed).
 */
import * as z from 'zod';
import { DEAD_LETTER_QUEUES } from './dead-letters.js';
import { checkNationalNumber, stripSeparators } from './national-number.js';

const code = z.string().regex(/^[A-Z][A-Z0-9_]{0,39}$/);
const intakeId = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/);
const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
/** A keyed hash of what a caller typed: `pseudonym:<hex>` for national-number-shaped text, `hmac:<hex>` otherwise. */
export const TYPED_VALUE = /^(pseudonym|hmac):[0-9a-f]{64}$/;
const typed = z.string().regex(TYPED_VALUE);
const QUERY_FILTERS = [
  'subject',
  'actor',
  'institution',
  'action',
  'outcome',
  'from',
  'to',
  'limit',
  'next',
] as const;

/** The filter of an auditor's query: which filters were used, their values only as codes or hashes. */
const auditQuery = z.strictObject({
  filters: z.string().regex(new RegExp(`^((${QUERY_FILTERS.join('|')})(,(?!$))?)*$`)),
  actor: typed.optional(),
  institution: z.union([z.string().regex(/^[A-Z][A-Z0-9-]{1,15}$/), typed]).optional(),
  action: z.union([z.string().regex(/^[a-z][a-z.-]{0,39}$/), typed]).optional(),
  outcome: z.union([z.string().regex(/^[A-Z][A-Z_:]{0,39}$/), typed]).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  days: z.number().int().min(1).max(366).optional(),
});

const none = z.strictObject({});

/** DBRC's organisation seal on an extract (no personal data: the certificate of the registry). */
/**
 * The extract a decision is about: the SHA-256 of its bytes and its object version, so the sealed
 * decision record — and a receipt's inclusion proof of it — binds the exact file decided.
 */
const bytes = {
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  versionId: z.string().max(1024).optional(),
};

const seal = {
  sealSubject: z.string().max(512).optional(),
  sealSerial: z
    .string()
    .regex(/^[0-9A-Fa-f:]{1,128}$/)
    .optional(),
  sealIssuer: z.string().max(512).optional(),
  sealSignedAt: z.string().max(40).optional(),
  sealTimeSource: z.enum(['timestamp', 'claimed']).optional(),
};

/** The details schema of each action (an action not listed may carry no details). */
export const AUDIT_DETAILS = {
  'audit.query': auditQuery,
  'audit.chart': auditQuery,
  'audit.subject-report': none,
  'audit.verify': z.strictObject({
    from: instant.optional(),
    to: instant.optional(),
    mode: z.enum(['incremental', 'full']).optional(),
  }),
  'audit.prove': z.strictObject({ recordId: typed }),
  /** How the student was visible to the institution (allowed reads): no personal data, a code. */
  'credit.read': z.strictObject({ visibility: z.enum(['dho', 'ruling', 'declared']).optional() }),
  'audit.alerts': auditQuery,
  /** A student read their own record (`GET /v1/me`): the page asked for, no more. */
  'student.read-own': z.strictObject({
    limit: z.number().int().min(1).max(200).optional(),
    page: z.enum(['first', 'next']).optional(),
  }),
  /** An institution read its change feed: how many changes the page held, first page or resumed. */
  'changes.read': z.strictObject({
    count: z.number().int().min(0).max(200),
    page: z.enum(['first', 'after']),
  }),
  /** A student's full number was shown in a feed read with a purpose (one record per student shown). */
  'changes.read-number': none,
  'enrolment.declare': z.strictObject({ academicYear: z.string().regex(/^\d{4}-\d{4}$/) }),
  'ledger.apply-ruling': z.strictObject({
    intakeId,
    ...bytes,
    rulingNumber: z.string().regex(/^[0-9A-Za-z./-]{1,40}$/),
    credits: z.number().finite(),
    balanceWrite: z.union([z.string().max(40), z.boolean(), z.number()]).optional(),
    /** A duplicate that completed the first intake of its ruling after a crash. */
    rolledForwardBy: intakeId.optional(),
    ...seal,
  }),
  'intake.hold': z.strictObject({ intakeId, code, ...bytes, ...seal }),
  'intake.reject': z.strictObject({ intakeId, code, ...bytes, ...seal }),
  /** The operator was shown the name read and the name registered of a held extract. */
  'held.read-names': z.strictObject({ intakeId }),
  /** The operator was shown the image of a page of a held scan. */
  'held.read-page': z.strictObject({ intakeId, page: z.number().int().min(1) }),
  'held.approve': z.strictObject({ intakeId, code }),
  'held.reject': z.strictObject({ intakeId, code: z.union([code, z.literal('')]), ...bytes }),
  /** The operator put a queue's dead letters back on it (nothing personal in them). */
  'dead-letters.redrive': z.strictObject({ queue: z.enum(DEAD_LETTER_QUEUES) }),
  'import.balances': z.strictObject({ lines: z.number().int().min(0) }),
  'import.enrolments': z.strictObject({ lines: z.number().int().min(0) }),
} as const;
// A duplicate ruling carries the same details as an applied one.
const SCHEMAS: Record<string, z.ZodType> = {
  ...AUDIT_DETAILS,
  'ledger.duplicate-ruling': AUDIT_DETAILS['ledger.apply-ruling'],
};

/** Why these details may not be stored for this action, or undefined when they fit its schema. */
export function detailsProblem(action: string, details: unknown): string | undefined {
  if (details === undefined) return undefined;
  const schema = SCHEMAS[action];
  if (!schema) return `action ${action} carries no details`;
  const r = schema.safeParse(details);
  return r.success
    ? undefined
    : `details of ${action}: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
}

/** Whether text, separators removed, is 11 digits (a national number, valid or not: a typo leaks too). */
export function looksLikeNationalNumber(text: string): boolean {
  return /^\d{11}$/.test(stripSeparators(text.trim())) || checkNationalNumber(text).valid;
}

/** The bytes a decision is about (its audit details): SHA-256 and object version, when known. */
export function bytesDetails(s: { readonly sha256?: string; readonly versionId?: string }): {
  sha256?: string;
  versionId?: string;
} {
  return { ...(s.sha256 ? { sha256: s.sha256 } : {}), ...(s.versionId ? { versionId: s.versionId } : {}) };
}
