/**
 * Per-day counts of the audit log (the auditor's chart): consultations per institution per UTC
 * day, allowed and denied. Pure; the sealer computes them from the records it seals, so each
 * record is counted once, with its checkpoint.
 */

/** The institution key of actors without one (operators, auditors, unauthenticated callers). */
export const NO_INSTITUTION = '-';

export interface DayCount {
  readonly day: string;
  readonly institution: string;
  readonly allowed: number;
  readonly denied: number;
  /** Enrolments the institution declared itself (allowed `enrolment.declare`). */
  readonly declared: number;
  /** Allowed credit reads of a student visible to the institution only by its own declaration (not DHO). */
  readonly nonDho: number;
}

/**
 * Counts records by (UTC day of `at`, actor's institution); denied = an outcome starting with
 * DENIED; declared = an allowed `enrolment.declare`; nonDho = an allowed `credit.read` whose
 * details say the student was visible only by a self-declared enrolment (`visibility: declared`).
 */
export function countByDay(
  records: Iterable<{
    readonly at: string;
    readonly outcome?: unknown;
    readonly actor?: unknown;
    readonly action?: unknown;
    readonly details?: unknown;
  }>,
): DayCount[] {
  const counts = new Map<
    string,
    { day: string; institution: string; allowed: number; denied: number; declared: number; nonDho: number }
  >();
  for (const r of records) {
    if (typeof r.at !== 'string') continue;
    const day = r.at.slice(0, 10);
    const actor = r.actor as { institution?: unknown } | undefined;
    const institution =
      actor && typeof actor === 'object' && typeof actor.institution === 'string' && actor.institution
        ? actor.institution
        : NO_INSTITUTION;
    const key = `${day} ${institution}`;
    const c = counts.get(key) ?? { day, institution, allowed: 0, denied: 0, declared: 0, nonDho: 0 };
    counts.set(key, c);
    if (typeof r.outcome === 'string' && r.outcome.startsWith('DENIED')) c.denied++;
    else {
      c.allowed++;
      if (r.action === 'enrolment.declare') c.declared++;
      const details = r.details as { visibility?: unknown } | undefined;
      if (r.action === 'credit.read' && details && details.visibility === 'declared') c.nonDho++;
    }
  }
  return [...counts.values()].sort((a, b) =>
    a.day < b.day
      ? -1
      : a.day > b.day
        ? 1
        : a.institution < b.institution
          ? -1
          : a.institution > b.institution
            ? 1
            : 0,
  );
}

/** The `n` UTC days ending with the day of `now`, oldest first. */
export function lastDays(now: Date, n: number): string[] {
  const out: string[] = [];
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - (n - 1));
  for (let i = 0; i < n; i++, d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
}

/**
 * Cumulative counters (the audit log's totals in O(1) reads). Per scope — every record (`ALL`), or
 * one actor institution's (the institution code, `-` for actors without one) — the sealer keeps a
 * running total, and per UTC day with records the running total before that day's first record
 * (`cumBefore`). The number of records in whole days [from, to] is then
 * cumBefore(first day > to, else the running total) − cumBefore(first day ≥ from, else the running
 * total): two point reads, however long the log.
 */
export const ALL_SCOPE = '*';

/** One addition to one scope's running total: the records of one checkpoint on one day. */
export interface CumulativeStep {
  readonly scope: string;
  readonly day: string;
  readonly count: number;
  /**
   * Where the step stands in the counting order (`<sequence, 12 digits>#<day>`): a scope's total
   * remembers the last step it took, so a step taken again (a retried or concurrent sealer) adds
   * nothing, and steps compare as strings.
   */
  readonly position: string;
  /** Every record of this scope up to this instant is counted once the step is taken. */
  readonly countedUpTo: string;
}

/** The position of checkpoint `sequence`'s records of `day` in the counting order. */
export function countPosition(sequence: number, day: string): string {
  return `${String(sequence).padStart(12, '0')}#${day}`;
}

const dayEnd = (day: string) => `${day}T23:59:59.999Z`;

/**
 * The steps that count checkpoint `sequence` (window ending at `cutoff`) into the cumulative
 * counters, in counting order: day by day, oldest first (a checkpoint spanning midnight adds its
 * first day before its second, so each day's `cumBefore` is the total before that day's first
 * record). A scope without records that day has no step.
 */
export function cumulativeSteps(
  sequence: number,
  cutoff: string,
  counts: readonly Pick<DayCount, 'day' | 'institution' | 'allowed' | 'denied'>[],
): CumulativeStep[] {
  const byDay = new Map<string, Map<string, number>>();
  for (const c of counts) {
    const n = c.allowed + c.denied;
    if (n <= 0) continue;
    const day = byDay.get(c.day) ?? new Map<string, number>();
    byDay.set(c.day, day);
    day.set(c.institution, (day.get(c.institution) ?? 0) + n);
  }
  const steps: CumulativeStep[] = [];
  for (const day of [...byDay.keys()].sort()) {
    const perInstitution = byDay.get(day)!;
    const position = countPosition(sequence, day);
    const countedUpTo = cutoff < dayEnd(day) ? cutoff : dayEnd(day);
    let all = 0;
    for (const n of perInstitution.values()) all += n;
    steps.push({ scope: ALL_SCOPE, day, count: all, position, countedUpTo });
    for (const [scope, count] of [...perInstitution].sort(([a], [b]) => (a < b ? -1 : 1)))
      steps.push({ scope, day, count, position, countedUpTo });
  }
  return steps;
}

/** The UTC day after `day`. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The whole UTC days a period covers, when it covers whole days: `from` absent or the first instant
 * of a day, `to` absent or the last millisecond of one (ISO 8601 as the API normalises them).
 * Undefined for any other period: the counters count days, so they cannot count part of one.
 */
export function wholeDays(
  from: string | undefined,
  to: string | undefined,
): { fromDay?: string; toDay?: string } | undefined {
  if (from !== undefined && !/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/.test(from)) return undefined;
  if (to !== undefined && !/^\d{4}-\d{2}-\d{2}T23:59:59\.999Z$/.test(to)) return undefined;
  if (from !== undefined && to !== undefined && from > to) return undefined;
  return {
    ...(from !== undefined ? { fromDay: from.slice(0, 10) } : {}),
    ...(to !== undefined ? { toDay: to.slice(0, 10) } : {}),
  };
}

/**
 * The records of a scope in whole days [fromDay, toDay]: `running` is the scope's running total;
 * `atFrom` the cumBefore of its first day ≥ fromDay, `afterTo` of its first day > toDay (undefined:
 * no such day, so every counted record lies before it).
 */
export function periodTotal(
  running: number,
  atFrom: number | undefined,
  afterTo: number | undefined,
): number {
  return (afterTo ?? running) - (atFrom ?? running);
}
