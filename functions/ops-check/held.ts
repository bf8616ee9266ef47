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
