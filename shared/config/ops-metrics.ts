/**
 * The operational metrics the ops check publishes (namespace `RulingIntake`, dimensions `service`
 * and `environment`): read by the alarms and the dashboard in infra/constructs/monitoring.ts.
 */
export const OPS_METRICS = {
  namespace: 'RulingIntake',
  /** Extracts in status HELD. */
  held: 'HeldExtracts',
  /** Held extracts received longer ago than the protocol's quality deadline (48 hours). */
  overdue: 'HeldExtractsOverdue',
  /** Age of the oldest held extract, in seconds (0 when none is held). */
  oldestAge: 'OldestHeldExtractAgeSeconds',
  /** Extracts still RECEIVED longer than `LIMITS.stalledAfterHours` after their receipt. */
  stalled: 'StalledExtracts',
} as const;

/**
 * Published by the intake (Powertools, namespace `RulingIntake`, dimensions `service` and
 * `environment`) for every
 * object it refused as `UNKNOWN_UPLOAD`: an object in the bucket no upload of the API issued.
 */
export const UNKNOWN_UPLOADS_METRIC = 'UnknownUploads';

/** Dimension carrying the deployment environment, so two environments in one account never mix. */
export const ENVIRONMENT_DIMENSION = 'environment';

/**
 * Published by the audit sealer (namespace `RulingIntake`, dimensions `service` and `environment`)
 * when counting sealed records crosses an auditors' alert threshold: the number of (day,
 * institution, kind) thresholds crossed in that run. No institution or person in the metric; the
 * list is `GET /v1/audit/alerts`.
 */
export const AUDIT_ALERTS_METRIC = 'AuditAlerts';
