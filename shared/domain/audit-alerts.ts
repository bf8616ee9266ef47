/**
 * Alerts for auditors: per institution and UTC day, counters of the sealed audit log compared with
 * thresholds. Any institution can make any student visible to itself by declaring an enrolment —
 * legitimate at enrolment time, so it is watched, not forbidden. Pure; the thresholds are defined
 * once here (defaults) and overridden by configuration (`alertThresholdsFrom`).
 */

/** What is counted: self-declared enrolments, reads of students visible only through such a
 * declaration (not enrolled through DHO, not named in a ruling), denied attempts. */
export const ALERT_KINDS = ['self-declared-enrolments', 'non-dho-reads', 'denied-attempts'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertThresholds = Readonly<Record<AlertKind, number>>;

/** Default thresholds, per institution per UTC day: an alert when the count is above. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  'self-declared-enrolments': 20,
  'non-dho-reads': 50,
  'denied-attempts': 10,
};

/** The environment variable overriding each threshold (locally and in the functions on AWS). */
export const ALERT_THRESHOLD_ENV: Readonly<Record<AlertKind, string>> = {
  'self-declared-enrolments': 'ALERT_MAX_SELF_DECLARED_ENROLMENTS',
  'non-dho-reads': 'ALERT_MAX_NON_DHO_READS',
  'denied-attempts': 'ALERT_MAX_DENIED_ATTEMPTS',
};

/** Thresholds from an environment (or any string map); a value that is not a whole number ≥ 0 is an error naming it. */
export function alertThresholdsFrom(env: Readonly<Record<string, string | undefined>>): AlertThresholds {
  const out = { ...DEFAULT_ALERT_THRESHOLDS };
  for (const kind of ALERT_KINDS) {
    const name = ALERT_THRESHOLD_ENV[kind];
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${name} must be a whole number ≥ 0, not ${JSON.stringify(raw)}`);
    out[kind] = n;
  }
  return out;
}

/** The counters an alert is computed from (one institution, one day). */
export interface AlertCounts {
  readonly day: string;
  readonly institution: string;
  readonly allowed?: number;
  readonly denied: number;
  readonly declared?: number;
  readonly nonDho?: number;
}

export interface AuditAlert {
  readonly day: string;
  readonly institution: string;
  readonly kind: AlertKind;
  readonly count: number;
  readonly threshold: number;
}

/** Whether a count raises an alert: strictly above its threshold. */
export function exceeds(count: number, threshold: number): boolean {
  return count > threshold;
}

/** The alerts of these counters, by day, institution and kind. Actors without an institution (`-`) are left out. */
export function alertsFrom(counts: Iterable<AlertCounts>, thresholds: AlertThresholds): AuditAlert[] {
  const out: AuditAlert[] = [];
  for (const c of counts) {
    if (c.institution === '-') continue;
    const values: Record<AlertKind, number> = {
      'self-declared-enrolments': c.declared ?? 0,
      'non-dho-reads': c.nonDho ?? 0,
      'denied-attempts': c.denied,
    };
    for (const kind of ALERT_KINDS) {
      if (exceeds(values[kind], thresholds[kind]))
        out.push({
          day: c.day,
          institution: c.institution,
          kind,
          count: values[kind],
          threshold: thresholds[kind],
        });
    }
  }
  return out.sort((a, b) =>
    a.day !== b.day
      ? a.day < b.day
        ? -1
        : 1
      : a.institution !== b.institution
        ? a.institution < b.institution
          ? -1
          : 1
        : ALERT_KINDS.indexOf(a.kind) - ALERT_KINDS.indexOf(b.kind),
  );
}

/**
 * Alerts raised by adding `added` to counters that stood at `before` (the counts of the same day and
 * institution before a checkpoint was counted): a threshold crossed by this addition. The sealer
 * publishes one metric per crossing, so a day above its threshold is reported once, not every run.
 */
export function crossings(
  before: Iterable<AlertCounts>,
  after: Iterable<AlertCounts>,
  thresholds: AlertThresholds,
): AuditAlert[] {
  const was = new Set(alertsFrom(before, thresholds).map((a) => `${a.day} ${a.institution} ${a.kind}`));
  return alertsFrom(after, thresholds).filter((a) => !was.has(`${a.day} ${a.institution} ${a.kind}`));
}
