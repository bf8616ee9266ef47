/**
 * Held extracts against the protocol's quality deadline: an extract held for review (identity
 * mismatch, conflicting duplicate) must be resolved — approved or rejected by an operator — within
 * `LIMITS.heldDeadlineHours` of its receipt. Pure: statuses in, counts out; no personal data (intake
 * ids only).
 */
import { LIMITS } from '../../shared/config/resources.js';
import type { IntakeStatus } from '../../shared/ports/index.js';

export interface HeldReport {
  readonly held: number;
  readonly overdue: number;
  /** Seconds since the oldest held extract was received; 0 when none is held. */
  readonly oldestAgeSeconds: number;
  /** Intake ids of the overdue extracts, oldest first (at most `limit`). */
  readonly overdueIntakeIds: readonly string[];
}

/**
 * Primary course: 1. keep the HELD statuses; 2. measure each one's age from `receivedAt`;
 * 3. count those past the deadline and report the oldest.
 */
export function heldReport(
  statuses: readonly Pick<IntakeStatus, 'intakeId' | 'status' | 'receivedAt'>[],
  now: Date,
  deadlineHours: number = LIMITS.heldDeadlineHours,
  limit = 20,
): HeldReport {
  const deadlineMs = deadlineHours * 3_600_000;
  const held = statuses
    .filter((s) => s.status === 'HELD')
    .map((s) => {
      const ageMs = now.getTime() - Date.parse(s.receivedAt);
      // An unreadable receivedAt counts as overdue: the check errs towards telling an operator.
      return { intakeId: s.intakeId, ageMs: Number.isNaN(ageMs) ? deadlineMs + 1000 : ageMs };
    })
    .sort((a, b) => b.ageMs - a.ageMs);
  const overdue = held.filter((s) => s.ageMs > deadlineMs);
  return {
    held: held.length,
    overdue: overdue.length,
    oldestAgeSeconds: Math.max(0, Math.floor((held[0]?.ageMs ?? 0) / 1000)),
    overdueIntakeIds: overdue.slice(0, limit).map((s) => s.intakeId),
  };
}

export interface StalledReport {
  /** Extracts still `RECEIVED` longer than the limit after their receipt. */
  readonly stalled: number;
  /** Their intake ids, oldest first (at most `limit`). */
  readonly stalledIntakeIds: readonly string[];
}

/**
 * Extracts received but never processed: still `RECEIVED` more than `LIMITS.stalledAfterHours`
 * after their receipt (an unreadable receipt time counts as stalled). `AWAITING_UPLOAD` is not
 * counted: a presigned upload that was never used holds no extract.
 */
export function stalledReport(
  statuses: readonly Pick<IntakeStatus, 'intakeId' | 'status' | 'receivedAt'>[],
  now: Date,
  afterHours: number = LIMITS.stalledAfterHours,
  limit = 20,
): StalledReport {
  const limitMs = afterHours * 3_600_000;
  const stalled = statuses
    .filter((s) => s.status === 'RECEIVED')
    .map((s) => ({ intakeId: s.intakeId, ageMs: now.getTime() - Date.parse(s.receivedAt) }))
    .filter((s) => Number.isNaN(s.ageMs) || s.ageMs > limitMs)
    .sort(
      (a, b) => (Number.isNaN(b.ageMs) ? Infinity : b.ageMs) - (Number.isNaN(a.ageMs) ? Infinity : a.ageMs),
    );
  return { stalled: stalled.length, stalledIntakeIds: stalled.slice(0, limit).map((s) => s.intakeId) };
}
