/** The limits of the extract format and of the intake (docs: extract-format, protocol). */
export const LIMITS = {
  maxExtractBytes: 10 * 1024 * 1024,
  maxPages: 5,
  maxCreditLines: 10,
  /** A message is received this many times before it goes to the dead-letter queue. */
  maxReceives: 3,
  /** Visibility timeout of the intake queue: 6 × the function timeout, as AWS advises for SQS event sources. */
  visibilityTimeoutSeconds: 360,
  intakeFunctionTimeoutSeconds: 60,
  intakeBatchSize: 5,
  /** A student's learning credit when nothing was imported for them. */
  startingCredit: 140,
  ledgerRetentionYears: 20,
  /**
   * Per-extract CPU time of the PDF reader's thread (measured by the thread's own CPU clock, so a
   * busy machine does not count): over it the extract is PDF_TOO_COMPLEX. A legitimate extract
   * needs well under 200 ms; the deterministic limits (objects, operators, decoded bytes) stop
   * most hostile files long before.
   */
  parseCpuLimitMs: 8_000,
  /**
   * Per-extract wall-clock limit for reading a PDF, the last resort against a hung read: the
   * reader's worker is terminated and the read fails as a transient error (the message is
   * retried), never as a rejection of the extract — a slow machine is not the clerk's fault.
   */
  parseTimeoutMs: 45_000,
  /** Retention of the functions' CloudWatch log groups (must be a value CloudWatch accepts). */
  logRetentionDays: 90,
  /** Protocol quality deadline: a held extract must be resolved within this many hours of its receipt. */
  heldDeadlineHours: 48,
  /**
   * An extract still `RECEIVED` this long after its receipt is stalled: a healthy intake applies it
   * within minutes and failing ones reach the dead-letter queue within 3 × 6 minutes. What remains
   * is a pause, a dead letter nobody redrove, or a lost message — and SQS forgets a message after
   * 14 days, after which nothing would ever process the extract. The ops check alarms on it.
   */
  stalledAfterHours: 24,
} as const;
