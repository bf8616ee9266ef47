/**
 * Held extracts against the protocol's quality deadline: an extract held for review (identity
 * mismatch, conflicting duplicate) must be resolved — approved or rejected by an operator — within
 * `LIMITS.heldDeadlineHours` of its receipt. Pure: statuses in, counts out; no personal data (intake
 * ids only).
 */
import { LIMITS } from '../domain/limits.js';
import type { IntakeStatus, IntakeStatusStore, OpenState } from '../ports/index.js';

export interface HeldReport {
  readonly held: number;
  readonly overdue: number;
  /** Seconds since the oldest held extract was received; 0 when none is held. */
  readonly oldestAgeSeconds: number;
  /** Intake ids of the overdue extracts, oldest first (at most `limit`). */
  readonly overdueIntakeIds: readonly string[];
}

/**
 * The statuses in `state` with their age since receipt, oldest first. An unreadable receipt time
 * counts as `unreadableAgeMs` (just past the limit being checked): the check errs towards telling
 * an operator.
 */
function byAge(
  statuses: readonly Pick<IntakeStatus, 'intakeId' | 'status' | 'receivedAt'>[],
  state: IntakeStatus['status'],
  now: Date,
  unreadableAgeMs: number,
): { intakeId: string; ageMs: number }[] {
  return statuses
    .filter((s) => s.status === state)
    .map((s) => {
      const ageMs = now.getTime() - Date.parse(s.receivedAt);
      return { intakeId: s.intakeId, ageMs: Number.isNaN(ageMs) ? unreadableAgeMs : ageMs };
    })
    .sort((a, b) => b.ageMs - a.ageMs);
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
  const held = byAge(statuses, 'HELD', now, deadlineMs + 1000);
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
 * after their receipt. `AWAITING_UPLOAD` is not counted: a presigned upload that was never used
 * holds no extract.
 */
export function stalledReport(
  statuses: readonly Pick<IntakeStatus, 'intakeId' | 'status' | 'receivedAt'>[],
  now: Date,
  afterHours: number = LIMITS.stalledAfterHours,
  limit = 20,
): StalledReport {
  const limitMs = afterHours * 3_600_000;
  const stalled = byAge(statuses, 'RECEIVED', now, limitMs + 1000).filter((s) => s.ageMs > limitMs);
  return { stalled: stalled.length, stalledIntakeIds: stalled.slice(0, limit).map((s) => s.intakeId) };
}

/** Every status in one open state, from the sparse index: the open items only, never the finished history. */
async function openStatuses(statuses: IntakeStatusStore, state: OpenState): Promise<IntakeStatus[]> {
  const out: IntakeStatus[] = [];
  let next: string | undefined;
  do {
    const page = await statuses.page({ state }, { limit: 1000, ...(next ? { next } : {}) });
    out.push(...page.items);
    next = page.next;
  } while (next);
  return out;
}

/** The ops check: held extracts against the deadline and stalled ones, from the open-state index. */
export async function opsReport(
  statuses: IntakeStatusStore,
  now: Date = new Date(),
): Promise<HeldReport & StalledReport> {
  const [held, received] = await Promise.all([
    openStatuses(statuses, 'HELD'),
    openStatuses(statuses, 'RECEIVED'),
  ]);
  return { ...heldReport(held, now), ...stalledReport(received, now) };
}
