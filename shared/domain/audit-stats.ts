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
