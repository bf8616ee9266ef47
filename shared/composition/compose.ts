/**
 * Wiring: builds the ports from the environment, the same way in Lambda, in the local stack and
 * in the CLI. AWS clients are created once per process (cold start), at first use. Each function
 * has its own composition (`intakeDeps`, `clerkPorts`, …) that reads only the variables of the
 * resources it is granted, so its bundle carries only the clients it uses.
 *
 * On AWS the key ids come from `HMAC_KEY_ID` / `DATA_KEY_ARN`; locally `RULING_INTAKE_LOCAL_KEYS`
 * names the folder of the local keys and the S3/DynamoDB endpoints point at the emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { KmsSigner } from '../adapters/aws/kms-signer.js';
import { LocalSigner } from '../adapters/local/signer.js';
import type { Signer } from '../ports/audit-seal.js';
import { ENV, EXTRACTS_BUCKET, KEYS, TABLES } from '../config/resources.js';
import { DynamoLedgerStore } from '../adapters/aws/dynamodb-ledger.js';
import { DynamoChangeFeedStore } from '../adapters/aws/dynamodb-feed.js';
import {
  DynamoAuditLog,
  DynamoIntakeControl,
  DynamoIntakeStatusStore,
} from '../adapters/aws/dynamodb-records.js';
import { DynamoAuditStats } from '../adapters/aws/dynamodb-audit-stats.js';
import { KmsKeyService } from '../adapters/aws/kms-keys.js';
import { S3ExtractStore } from '../adapters/aws/s3-extracts.js';
import { LocalKeyService, loadLocalKeys } from '../adapters/local/keys.js';
import { kmsNameCipher, localNameCipher } from '../adapters/name-cipher.js';
import type {
  AuditLog,
  IntakeControl,
  IntakeQueue,
  KeyService,
  NameCipher,
  QueueOperations,
} from '../ports/index.js';
import type { AdminDeps } from '../use-cases/admin.js';
import type { AuditQueryDeps } from '../use-cases/audit-queries.js';
import type { ClerkDeps } from '../use-cases/clerk.js';
import type { ConsultDeps } from '../use-cases/consult.js';
import type { ChangeFeedDeps, RelayDeps } from '../use-cases/change-feed.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TokenVerifier } from '../auth/verify.js';
import { alertThresholdsFrom } from '../domain/audit-alerts.js';
import { eventSourceMappingSwitch, SqsIntakeQueue } from '../adapters/aws/intake-queue.js';
import { S3UploadSigner } from '../adapters/aws/s3-presign.js';
import { SqsQueueOperations } from '../adapters/aws/sqs-queues.js';

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const env = (name: string): string =>
  getStringFromEnv({ key: name, errorMessage: `environment variable ${name} is not set` });
const optional = (name: string): string | undefined => process.env[name] || undefined;
const localClientConfig = () => ({
  region: process.env.AWS_REGION ?? 'eu-west-1',
  credentials: LOCAL_CREDENTIALS,
});

// Each client is created at its first use and only then, so a function builds (and its bundle
// carries) only the clients of the ports it uses.
let s3: S3Client | undefined;
let db: DynamoDBDocumentClient | undefined;
let kms: KMSClient | undefined;

/** The S3 client (pointed at s3rver when the local endpoint is set). */
export function s3Client(): S3Client {
  const endpoint = optional(ENV.s3Endpoint);
  s3 ??= endpoint
    ? new S3Client({
        ...localClientConfig(),
        endpoint,
        forcePathStyle: true,
        // s3rver stores aws-chunked framing as object bytes: send plain bodies.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      })
    : new S3Client({});
  return s3;
}

/** The DynamoDB document client (pointed at dynalite when the local endpoint is set). */
export function documentClient(): DynamoDBDocumentClient {
  const endpoint = optional(ENV.dynamoEndpoint);
  db ??= DynamoDBDocumentClient.from(
    endpoint ? new DynamoDBClient({ ...localClientConfig(), endpoint }) : new DynamoDBClient({}),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return db;
}

/** The KMS client (AWS only: locally keys are files). */
export function kmsClient(): KMSClient {
  kms ??= new KMSClient({});
  return kms;
}

/**
 * A signing key: KMS `Sign` when the function's environment names the key, else the local EC key
 * `localFile` in the local key folder (the local stack, tests).
 */
export function signingKey(keyId: string | undefined, localFile: string): Signer {
  return keyId
    ? new KmsSigner(kmsClient(), keyId)
    : new LocalSigner(
        getStringFromEnv({
          key: ENV.localKeyDir,
          errorMessage: `environment variable ${ENV.localKeyDir} is not set`,
        }),
        localFile,
      );
}

let localKeys: ReturnType<typeof loadLocalKeys> | undefined;
const localKeyFiles = () => (localKeys ??= loadLocalKeys(env(ENV.localKeyDir)));
let keyService: Promise<KeyService> | undefined;
let nameCipher: Promise<NameCipher> | undefined;

/** Pseudonyms and identity hashes: the KMS HMAC key when `HMAC_KEY_ID` is set, the local key file otherwise. */
export function keyServicePort(): Promise<KeyService> {
  const hmacKeyId = optional(KEYS.hmac.env);
  keyService ??= hmacKeyId
    ? Promise.resolve(new KmsKeyService(kmsClient(), hmacKeyId))
    : localKeyFiles().then((k) => new LocalKeyService(k.hmac));
  return keyService;
}

/** Name encryption: the KMS data key when `DATA_KEY_ARN` is set, the local key file otherwise. */
export function nameCipherPort(): Promise<NameCipher> {
  const dataKeyArn = optional(KEYS.data.env);
  nameCipher ??= dataKeyArn
    ? Promise.resolve(kmsNameCipher(dataKeyArn))
    : localKeyFiles().then((k) => localNameCipher(k.data));
  return nameCipher;
}

/** The key service and name cipher together (the intake and the local stack's start). */
export async function keyPorts(): Promise<{ keys: KeyService; names: NameCipher }> {
  const [keys, names] = await Promise.all([keyServicePort(), nameCipherPort()]);
  return { keys, names };
}

export const ledgerStore = () => new DynamoLedgerStore(documentClient(), env(TABLES.ledger.env));
/**
 * The intake's ledger: balance changes also write their change-feed outbox entry — in one
 * transaction on AWS; outbox-first on dynalite, which has no transactions (see OutboxTarget).
 */
export const ledgerWithOutbox = () =>
  new DynamoLedgerStore(documentClient(), env(TABLES.ledger.env), undefined, {
    table: env(TABLES.changes.env),
    mode: optional(ENV.dynamoEndpoint) ? 'outbox-first' : 'transaction',
  });
/** The change feed: outbox entries and each institution's feed. */
export const changeFeedStore = () => new DynamoChangeFeedStore(documentClient(), env(TABLES.changes.env));
export const auditLog = () => new DynamoAuditLog(documentClient(), env(TABLES.audit.env));
/** The audit log's per-day counters (items of the control table, kept by the sealer). */
export const auditStats = () => new DynamoAuditStats(documentClient(), env(TABLES.control.env));
export const statusStore = () => new DynamoIntakeStatusStore(documentClient(), env(TABLES.intake.env));
export const extractStore = () =>
  new S3ExtractStore(s3Client(), env(EXTRACTS_BUCKET.env), optional(KEYS.data.env));

/** The pause switch; `onChange` lets the AWS wiring also toggle the event source mapping. */
export function intakeControl(onChange?: (paused: boolean) => Promise<void>): IntakeControl {
  return new DynamoIntakeControl(documentClient(), env(TABLES.control.env), onChange);
}

/** Forget cached clients and keys (tests that restart the local stack on new ports). */
export function resetComposition(): void {
  s3 = undefined;
  db = undefined;
  kms = undefined;
  localKeys = undefined;
  keyService = undefined;
  nameCipher = undefined;
  verifier = undefined;
}

// ---------------------------------------------------------------------------------------------
// The API functions: one composition per function, each reading only the environment variables of
// the resources that function is granted (infra/constructs/api-functions.ts sets exactly those).

let verifier: TokenVerifier | undefined;

/** The bearer-token verifier, configured from AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL. */
export async function tokenVerifier(): Promise<TokenVerifier> {
  verifier ??= TokenVerifier.fromEnv();
  return verifier;
}

/** Every API function records accesses (and denied attempts) in the audit log. */
interface Audited {
  readonly audit: AuditLog;
}

export type ClerkPorts = ClerkDeps & Audited;
export type InstitutionPorts = ConsultDeps & ChangeFeedDeps;
export type AuditorPorts = AuditQueryDeps;
export type AdminPorts = AdminDeps;

/** Clerk: upload statuses and the presigned POST (receipts: compose-receipt.ts). */
export async function clerkPorts(): Promise<ClerkPorts> {
  return {
    statuses: statusStore(),
    uploads: new S3UploadSigner(s3Client(), env(EXTRACTS_BUCKET.env), optional(KEYS.data.env)),
    audit: auditLog(),
    // The pause switch (read only): a RECEIVED upload then says "waiting: intake paused".
    ...(optional(TABLES.control.env) ? { control: intakeControl() } : {}),
  };
}

/** Institution: the ledger and pseudonyms; no extract, no name. */
export async function institutionPorts(): Promise<InstitutionPorts> {
  return {
    ledger: ledgerStore(),
    audit: auditLog(),
    keys: await keyServicePort(),
    // Full numbers in a purposeful feed read (the key policy lets it decrypt feed numbers only).
    names: await nameCipherPort(),
    feed: changeFeedStore(),
  };
}

/** The change-feed relay: reads the student file (visibility), writes feeds; no key, no name. */
export function relayPorts(): RelayDeps {
  return { ledger: ledgerStore(), feed: changeFeedStore() };
}

/** Auditor: the audit log, the ledger, pseudonyms and names (the data-subject report). */
export async function auditorPorts(): Promise<AuditorPorts> {
  const [keys, names] = await Promise.all([keyServicePort(), nameCipherPort()]);
  return {
    audit: auditLog(),
    ledger: ledgerStore(),
    keys,
    names,
    stats: auditStats(),
    alertThresholds: alertThresholdsFrom(process.env),
  };
}

/** Operator: the pause switch, held extracts (statuses, extracts, queue) and imports. */
export async function adminPorts(
  overrides: { queue?: IntakeQueue; queues?: QueueOperations } = {},
): Promise<AdminPorts> {
  const mapping = optional(ENV.intakeMappingUuid);
  const [keys, names] = await Promise.all([keyServicePort(), nameCipherPort()]);
  const sqs = new SQSClient({});
  return {
    control: intakeControl(mapping ? eventSourceMappingSwitch(mapping) : undefined),
    statuses: statusStore(),
    extracts: extractStore(),
    queue: overrides.queue ?? new SqsIntakeQueue(sqs, env(ENV.intakeQueueUrl), env(EXTRACTS_BUCKET.env)),
    ledger: ledgerStore(),
    audit: auditLog(),
    keys,
    names,
    queues:
      overrides.queues ??
      new SqsQueueOperations(sqs, {
        intake: env(ENV.intakeQueueUrl),
        deadLetters: { intake: env(ENV.intakeDeadLettersUrl), webhooks: env(ENV.webhookDeadLettersUrl) },
      }),
  };
}
