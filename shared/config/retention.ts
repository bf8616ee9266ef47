/**
 * Retention by design: how long each kind of record is kept, from one constant, and the epoch-
 * seconds expiry DynamoDB's TTL reads (the attribute is each table's `ttlAttribute` in
 * resources.ts). The code that writes an item computes its expiry here; nothing is kept forever.
 *
 * - Ledger items: `LIMITS.ledgerRetentionYears` after their last write (dynamodb-ledger.ts).
 * - Audit records: as long as the ledger (the audit log is kept at least as long as what it
 *   audits), counted from the record's own `at`, so the expiry is derived from the record and the
 *   audit readers can drop it before hashing (a changed expiry is shown as a change).
 * - Intake statuses: as long as the ledger, counted from `receivedAt`.
 * - Change-feed items and outbox entries: `FEED_RETENTION_DAYS` after the change. The feed is a
 *   notification channel, not a record: the ledger keeps the change 20 years and `getCredit`
 *   shows it; an institution polls far more often than yearly.
 */
import { LIMITS, TABLES } from './resources.js';

export const RETENTION_YEARS = {
  ledger: LIMITS.ledgerRetentionYears,
  audit: LIMITS.ledgerRetentionYears,
  intake: LIMITS.ledgerRetentionYears,
} as const;

/** The TTL attribute of the audit and intake tables (`expiresAt`). */
export const AUDIT_TTL_ATTRIBUTE = TABLES.audit.ttlAttribute;
export const INTAKE_TTL_ATTRIBUTE = TABLES.intake.ttlAttribute;

/** Epoch seconds `years` after `from` (an ISO timestamp or a date). */
export function expiryAfter(from: string | Date, years: number): number {
  const d = new Date(from);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${String(from)}`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return Math.floor(d.getTime() / 1000);
}

/** The expiry of an audit record written at `at`. */
export const auditExpiry = (at: string): number => expiryAfter(at, RETENTION_YEARS.audit);

/** The expiry of an intake status received at `receivedAt`. */
export const intakeExpiry = (receivedAt: string): number => expiryAfter(receivedAt, RETENTION_YEARS.intake);

/** How long an institution's feed keeps a change (a little over one academic year). */
export const FEED_RETENTION_DAYS = 400;

/** The expiry of a feed item or outbox entry for a change made at `changedAt`. */
export function feedExpiry(changedAt: string): number {
  const d = new Date(changedAt);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${changedAt}`);
  return Math.floor(d.getTime() / 1000) + FEED_RETENTION_DAYS * 86_400;
}
