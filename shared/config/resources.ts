/**
 * One definition of every resource (architecture invariant 6).
 *
 * The CDK stack (`infra/stack.ts`), the local stack (`infra/local/`) and the tests all read
 * table schemas, bucket layout, key specs, limits and environment variable names from here,
 * so the cloud and the laptop cannot drift apart.
 */
import { MAX_RECORDS_PER_CHECKPOINT, SEAL_GRACE_MS } from '../domain/audit-chain.js';
import { REVIEW_PREFIX, UPLOAD_PREFIX } from '../domain/extract-keys.js';
import { LIMITS } from '../domain/limits.js';

export type AttributeType = 'S' | 'N';

export interface KeySchemaAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: KeySchemaAttribute;
  readonly sortKey?: KeySchemaAttribute;
}

export interface TableDefinition {
  /** CDK construct id and the suffix of the local table name. */
  readonly id: string;
  /** Environment variable through which functions learn the table name. */
  readonly env: string;
  readonly partitionKey: KeySchemaAttribute;
  readonly sortKey?: KeySchemaAttribute;
  readonly globalIndexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, when retention applies. */
  readonly ttlAttribute?: string;
  /** A DynamoDB stream of changed items' keys (read by a function on AWS). */
  readonly stream?: 'KEYS_ONLY';
  readonly purpose: string;
}

const S = (name: string): KeySchemaAttribute => ({ name, type: 'S' });

export const TABLES = {
  /** Students (by pseudonym), their ledger entries, and the ruling register. */
  ledger: {
    id: 'Ledger',
    env: 'LEDGER_TABLE',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [],
    ttlAttribute: 'expiresAt',
    purpose: 'learning-credit balances, ledger entries, ruling claims (20-year retention)',
  },
  /** Append-only access log: who did what, when, about whom (pseudonym), why, outcome. */
  audit: {
    id: 'Audit',
    env: 'AUDIT_TABLE',
    partitionKey: S('id'),
    /**
     * Every auditor query reads one index partition, newest first, and costs its result: byDay
     * (the sealer and the unfiltered list, walking days), bySubject, byActor, byInstitution. The
     * index attributes (`day`, `atId` = `<at>#<id>`, `actorId`, `actorInstitution`) are derived
     * from the record by the writer and removed again before hashing when they agree with it.
     */
    globalIndexes: [
      { name: 'byDay', partitionKey: S('day'), sortKey: S('at') },
      { name: 'bySubject', partitionKey: S('subject'), sortKey: S('atId') },
      { name: 'byActor', partitionKey: S('actorId'), sortKey: S('atId') },
      { name: 'byInstitution', partitionKey: S('actorInstitution'), sortKey: S('atId') },
    ],
    ttlAttribute: 'expiresAt',
    purpose:
      'append-only audit trail (expires as long after `at` as the ledger is kept: config/retention.ts)',
  },
  /** What became of each uploaded extract, for the clerk. */
  intake: {
    id: 'Intake',
    env: 'INTAKE_TABLE',
    partitionKey: S('intakeId'),
    /**
     * byUploader: the clerk's list, newest first, paged. byOpenState: sparse — `openState` is set
     * (to the status) only while a status is AWAITING_UPLOAD, RECEIVED or HELD, so the held list
     * and the ops check read only open items, never the history.
     */
    globalIndexes: [
      { name: 'byUploader', partitionKey: S('uploader'), sortKey: S('receivedAt') },
      { name: 'byOpenState', partitionKey: S('openState'), sortKey: S('receivedAt') },
    ],
    ttlAttribute: 'expiresAt',
    purpose: 'intake status per uploaded extract (expires with the ledger retention: config/retention.ts)',
  },
  /**
   * The change feed (issue 16): outbox entries (`OUT#<outboxId>` / `OUTBOX`, written in the same
   * transaction as the balance change) and each institution's feed (`FEED#<institution>` /
   * `<changedAt>#<outboxId>`). The stream (keys only: no pseudonym or number in it) carries new outbox entries to the relay
   * function;
   * byPending is sparse (`pending` is set only until an entry is relayed): the local relay's sweep
   * and the operator's view of a stuck relay.
   */
  changes: {
    id: 'Changes',
    env: 'CHANGES_TABLE',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [{ name: 'byPending', partitionKey: S('pending'), sortKey: S('changedAt') }],
    ttlAttribute: 'expiresAt',
    stream: 'KEYS_ONLY',
    purpose: 'change-feed outbox and institution feeds (masked numbers; expire after FEED_RETENTION_DAYS)',
  },
  /** Operational switches (intake pause). */
  control: {
    id: 'Control',
    env: 'CONTROL_TABLE',
    partitionKey: S('pk'),
    /**
     * byCumulativeDay: sparse — only the audit log's cumulative day items (`audit-cum#…`) carry
     * `cumScope` (`*` or an institution code) and `cumDay`; a period's total reads the first item
     * at or after a day (Query, Limit 1) on each side.
     */
    globalIndexes: [{ name: 'byCumulativeDay', partitionKey: S('cumScope'), sortKey: S('cumDay') }],
    purpose: 'operational switches, the audit log counters and verification state',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;

/**
 * Partition-key prefixes of the changes table: outbox entries (`OUT#<outboxId>`) and each
 * institution's feed (`FEED#<institution>`). The IAM grants (dynamodb:LeadingKeys) and the relay's
 * stream filter name them too.
 */
export const CHANGE_KEYS = { outboxPrefix: 'OUT#', feedPrefix: 'FEED#' } as const;

/** The control table's items of the audit verification (`pk` values). */
export const AUDIT_VERIFICATION_KEYS = {
  /** The last verified signed head (written by the sealer only). */
  head: 'audit-verified-head',
  /** The full re-verification's request and progress; the auditor API may only write this one. */
  full: 'audit-full-verification',
  /** The last full re-verification's signed result (written by the sealer only). */
  result: 'audit-full-verification-result',
} as const;

/**
 * The control table's items of the Merkle tiles (issue 14, `shared/domain/merkle-tiles.ts`): the
 * pointer (how far the tiles reach) and one item per tile, `audit-tile#<level>#<index>`, holding
 * up to 256 hashes (8 KiB binary). Written by the sealer only (UpdateItem, the grant it has);
 * read by GetItem by the audit and clerk APIs. Items, not objects in the checkpoint bucket: the
 * last tile of each level grows (is rewritten) until full, and that bucket refuses overwrites.
 */
export const AUDIT_TILE_KEYS = {
  pointer: 'audit-tiles',
  tilePrefix: 'audit-tile#',
} as const;

/**
 * The key prefixes of the audit log's cumulative counters in the control table (the totals,
 * issue 15): `audit-total#<scope>`, `audit-cum#<scope>#<day>` and the backfill's
 * `audit-cum-backfill`. The sealer may put these items whole (the backfill) and no others.
 */
export const AUDIT_TOTAL_KEY_PREFIXES = { total: 'audit-total#', cumulative: 'audit-cum' } as const;

export const EXTRACTS_BUCKET = {
  id: 'Extracts',
  env: 'EXTRACTS_BUCKET',
  /** Clerks may only put objects under this prefix. Keys carry no personal data. */
  uploadPrefix: UPLOAD_PREFIX,
  /** A held scan's page images (`review/<intakeId>/page-<n>.png`), kept as long as a held extract. */
  reviewPrefix: REVIEW_PREFIX,
  /** Tag set on kept extracts; the lifecycle rule expires tagged objects. */
  outcomeTag: 'intake-outcome',
  keptOutcomes: ['rejected', 'held'] as const,
  keptDays: 30,
  /**
   * Any extract still in the bucket this long after upload expires, tagged or not: one that was
   * never processed (a message lost, dead-lettered and never redriven, a pause past SQS's 14 days)
   * is not kept forever. The stalled-extract alarm fires after `LIMITS.stalledAfterHours` first.
   */
  unprocessedDays: 45,
  /** A version superseded by a later object under its key (a re-posted form) is kept as long as a
   * kept extract: a held version must not expire while it awaits review (it was 1 day).
   */
  noncurrentVersionDays: 30,
  /** Session tag naming the uploader segment the uploader role may write under. */
  uploaderSessionTag: 'uploader',
} as const;

export { extractKey } from '../domain/extract-keys.js';

export const KEYS = {
  data: {
    id: 'DataKey',
    alias: 'ruling-intake/data',
    spec: 'SYMMETRIC_DEFAULT',
    usage: 'ENCRYPT_DECRYPT',
    rotation: true,
    env: 'DATA_KEY_ARN',
  },
  hmac: {
    id: 'HmacKey',
    alias: 'ruling-intake/hmac',
    spec: 'HMAC_256',
    usage: 'GENERATE_VERIFY_MAC',
    rotation: false,
    env: 'HMAC_KEY_ID',
  },
  signing: {
    id: 'SigningKey',
    alias: 'ruling-intake/signing',
    spec: 'ECC_NIST_P256',
    usage: 'SIGN_VERIFY',
    rotation: false,
    env: 'SIGNING_KEY_ID',
  },
  /**
   * Signs the clerks' receipts (issue 16) — not the tree heads: the clerk API, which faces the
   * internet, can then sign receipts but never a tree head, so a compromised clerk function cannot
   * make a receipt's inclusion proof verify for a decision the log does not hold.
   */
  receipts: {
    id: 'ReceiptKey',
    alias: 'ruling-intake/receipts',
    spec: 'ECC_NIST_P256',
    usage: 'SIGN_VERIFY',
    rotation: false,
    env: 'RECEIPT_KEY_ID',
  },
  /**
   * Signs the webhook notifications of the change feed (issue 16). A key of its own: only the
   * delivery function may sign with it, so a function that faces the internet with other duties
   * can never produce a notification a receiver would accept.
   */
  webhooks: {
    id: 'WebhookKey',
    alias: 'ruling-intake/webhooks',
    spec: 'ECC_NIST_P256',
    usage: 'SIGN_VERIFY',
    rotation: false,
    env: 'WEBHOOK_KEY_ID',
  },
} as const;

/**
 * Webhook delivery of the change feed (issue 16): a queue the relay fills (one thin notification
 * per new entry of an institution that has a webhook), consumed by the delivery function; a
 * notification failing `maxReceives` times goes to the dead-letter queue. The configuration is one
 * JSON object, institution code → URL (`ENV.webhookTargets`; CDK context `webhooks`).
 */
export const WEBHOOKS = {
  queueId: 'WebhookQueue',
  deadLettersId: 'WebhookDeadLetters',
  /** Attempts before a notification is dead-lettered. */
  maxReceives: 8,
  /**
   * The wait between attempts (SQS visibility timeout): 8 attempts span about 35 minutes, so a
   * receiver that restarts or deploys does not lose a notification. At least 6 × the function
   * timeout, as AWS advises for an SQS event source.
   */
  visibilityTimeoutSeconds: 300,
  /** One batch: at most 10 POSTs in parallel, each limited to 5 s (`WEBHOOK_TIMEOUT_MS`). */
  functionTimeoutSeconds: 30,
  batchSize: 10,
  /**
   * Concurrent deliveries at most (the event source's maximum concurrency): a burst of rulings
   * reaches the receivers as at most 5 × 10 POSTs at once, not as many as Lambda would scale to.
   */
  maxConcurrency: 5,
} as const;

/** The limits of the format and the intake are domain rules: defined in the domain, re-exported here. */
export { LIMITS } from '../domain/limits.js';

/** Environment variables shared by functions, the local stack and the CDK stack. */
export const ENV = {
  intakeQueueUrl: 'INTAKE_QUEUE_URL',
  /** The dead-letter queues the operator API counts and redrives (AWS). */
  intakeDeadLettersUrl: 'INTAKE_DEAD_LETTERS_URL',
  webhookDeadLettersUrl: 'WEBHOOK_DEAD_LETTERS_URL',
  intakeMappingUuid: 'INTAKE_EVENT_SOURCE_MAPPING',
  /** Local stack only: where the S3 and DynamoDB APIs listen (s3rver, dynalite). */
  s3Endpoint: 'RULING_INTAKE_S3_ENDPOINT',
  dynamoEndpoint: 'RULING_INTAKE_DYNAMODB_ENDPOINT',
  localKeyDir: 'RULING_INTAKE_LOCAL_KEYS',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** OpenID Connect: the expected issuer, audience and where its signing keys are published. */
  authIssuer: 'AUTH_ISSUER',
  authAudience: 'AUTH_AUDIENCE',
  authJwksUrl: 'AUTH_JWKS_URL',
  /** JSON object mapping OAuth client ids to institution codes (machine clients of institutions). */
  authClientInstitutions: 'AUTH_CLIENT_INSTITUTIONS',
  /** Comma-separated: a person's token must carry one of these `acr` values (external issuer). */
  authRequiredAcr: 'AUTH_REQUIRED_ACR',
  /** Comma-separated: a person's token's `amr` must contain one of these (e.g. `mfa`). */
  authRequiredAmr: 'AUTH_REQUIRED_AMR',
  /** The token claim that carries a student's national number (default `national_number`). */
  authStudentNumberClaim: 'AUTH_STUDENT_NUMBER_CLAIM',
  /** Deployment environment name (`dev`, `prod`…), a dimension of the operational metrics. */
  environment: 'RULING_INTAKE_ENVIRONMENT',
  /** DBRC's seal: `off` (default when unset), `verify-if-present` or `required` (intake only). */
  signaturePolicy: 'SIGNATURE_POLICY',
  /** The seal's trust anchors: PEM certificates (on AWS), or locally also a path to a PEM file. */
  signatureTrustAnchors: 'SIGNATURE_TRUST_ANCHORS',
  /**
   * Webhooks (issue 16): JSON object institution code → URL. The relay reads which institutions
   * have one, the delivery function where to POST. Unset or `{}`: no notifications.
   */
  webhookTargets: 'WEBHOOK_TARGETS',
  /** The webhook queue the relay sends notifications to (AWS). */
  webhookQueueUrl: 'WEBHOOK_QUEUE_URL',
} as const;

export const SERVICE_NAME = 'ruling-intake';

/**
 * The audit sealer's write-once checkpoint store and its timing. On AWS a bucket with S3 Object
 * Lock (COMPLIANCE mode, default retention as long as the ledger's); locally a folder of
 * read-only files (s3rver has no Object Lock).
 */
export const AUDIT_CHECKPOINTS = {
  id: 'AuditCheckpoints',
  /** Environment variable naming the checkpoint bucket (AWS). */
  env: 'AUDIT_CHECKPOINT_BUCKET',
  /** Environment variable naming the checkpoint folder (local stack); default `<data>/checkpoints`. */
  localEnv: 'RULING_INTAKE_LOCAL_CHECKPOINTS',
  /** Object keys: `checkpoints/<12-digit zero-padded sequence>.json`. */
  prefix: 'checkpoints/',
  lockMode: 'COMPLIANCE',
  /** Object Lock retention of each checkpoint: the audit log is kept as long as the ledger. */
  retentionYears: LIMITS.ledgerRetentionYears,
  /** The sealer's schedule (EventBridge rate on AWS, a timer locally). */
  sealEveryMinutes: 1,
  /** Records younger than this are left for the next run (see `SEAL_GRACE_MS`). */
  sealGraceMs: SEAL_GRACE_MS,
  /** Upper bound of records in one checkpoint (a backlog is sealed over several runs). */
  maxRecordsPerCheckpoint: MAX_RECORDS_PER_CHECKPOINT,
} as const;
