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
   * Per-extract time limit for reading a PDF (pdf.js runs in a worker thread that is terminated
   * when it is exceeded: the extract is rejected as PDF_DAMAGED), so a hostile PDF cannot hang
   * the function. A batch's extracts are read one after the other: 5 × 10 s still ends inside
   * the 60 s function timeout. A legitimate extract reads in well under 100 ms.
   */
  parseTimeoutMs: 10_000,
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
