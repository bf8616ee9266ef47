/**
 * Wiring: builds the ports from the environment, the same way in Lambda, in the local stack and
 * in the CLI. AWS clients are created once per process (cold start), at first use.
 *
 * On AWS the key ids come from `HMAC_KEY_ID` / `DATA_KEY_ARN`; locally `RULING_INTAKE_LOCAL_KEYS`
 * names the folder of the local keys and the S3/DynamoDB endpoints point at the emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { ENV, EXTRACTS_BUCKET, KEYS, TABLES } from '../config/resources.js';
import type { IntakeDeps } from '../use-cases/process-extract.js';
import { DynamoLedgerStore } from './aws/dynamodb-ledger.js';
import { DynamoAuditLog, DynamoIntakeControl, DynamoIntakeStatusStore } from './aws/dynamodb-records.js';
import { KmsKeyService } from './aws/kms-keys.js';
import { S3ExtractStore } from './aws/s3-extracts.js';
import { LocalKeyService, loadLocalKeys } from './local/keys.js';
import { kmsNameCipher, localNameCipher } from './name-cipher.js';
import type { IntakeControl, IntakeQueue, KeyService, NameCipher } from '../ports/index.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TokenVerifier } from '../auth/verify.js';
import { eventSourceMappingSwitch, SqsIntakeQueue } from './aws/intake-queue.js';
import { S3UploadSigner } from './aws/s3-presign.js';

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const env = (name: string): string =>
  getStringFromEnv({ key: name, errorMessage: `environment variable ${name} is not set` });
const optional = (name: string): string | undefined => process.env[name] || undefined;

export interface Clients {
  readonly s3: S3Client;
  readonly db: DynamoDBDocumentClient;
  readonly kms?: KMSClient;
}

let clients: Clients | undefined;

/** The AWS SDK clients (pointed at loopback emulators when the local endpoints are set). */
export function awsClients(): Clients {
  if (clients) return clients;
  const s3Endpoint = optional(ENV.s3Endpoint);
  const dynamoEndpoint = optional(ENV.dynamoEndpoint);
  const local = { region: process.env.AWS_REGION ?? 'eu-west-1', credentials: LOCAL_CREDENTIALS };
  const s3 = s3Endpoint
    ? new S3Client({
        ...local,
        endpoint: s3Endpoint,
        forcePathStyle: true,
        // s3rver stores aws-chunked framing as object bytes: send plain bodies.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      })
    : new S3Client({});
  const dynamo = dynamoEndpoint
    ? new DynamoDBClient({ ...local, endpoint: dynamoEndpoint })
    : new DynamoDBClient({});
  const db = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  clients = { s3, db, ...(optional(KEYS.hmac.env) ? { kms: new KMSClient({}) } : {}) };
  return clients;
}

let keyMaterial: Promise<{ keys: KeyService; names: NameCipher }> | undefined;

/** The key service and name cipher: KMS on AWS, local key files otherwise. */
export function keyPorts(): Promise<{ keys: KeyService; names: NameCipher }> {
  keyMaterial ??= (async () => {
    const hmacKeyId = optional(KEYS.hmac.env);
    const dataKeyArn = optional(KEYS.data.env);
    if (hmacKeyId && dataKeyArn) {
      return {
        keys: new KmsKeyService(awsClients().kms ?? new KMSClient({}), hmacKeyId),
        names: kmsNameCipher(dataKeyArn),
      };
    }
    const local = await loadLocalKeys(env(ENV.localKeyDir));
    return { keys: new LocalKeyService(local.hmac), names: localNameCipher(local.data) };
  })();
  return keyMaterial;
}

/** Everything the intake use case needs. */
export async function intakeDeps(): Promise<IntakeDeps> {
  const { s3, db } = awsClients();
  return {
    extracts: new S3ExtractStore(s3, env(EXTRACTS_BUCKET.env), optional(KEYS.data.env)),
    ledger: new DynamoLedgerStore(db, env(TABLES.ledger.env)),
    audit: new DynamoAuditLog(db, env(TABLES.audit.env)),
    statuses: new DynamoIntakeStatusStore(db, env(TABLES.intake.env)),
    ...(await keyPorts()),
  };
}

/** The pause switch; `onChange` lets the AWS wiring also toggle the event source mapping. */
export function intakeControl(onChange?: (paused: boolean) => Promise<void>): IntakeControl {
  return new DynamoIntakeControl(awsClients().db, env(TABLES.control.env), onChange);
}

/** Forget cached clients and keys (tests that restart the local stack on new ports). */
export function resetComposition(): void {
  clients = undefined;
  keyMaterial = undefined;
  verifier = undefined;
}

// ---------------------------------------------------------------------------------------------
// The API functions.

let verifier: TokenVerifier | undefined;

/** The bearer-token verifier, configured from AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL. */
export async function tokenVerifier(): Promise<TokenVerifier> {
  verifier ??= TokenVerifier.fromEnv();
  return verifier;
}

/** Every port an API function may need; each function uses only its own. */
export async function apiPorts(
  overrides: { queue?: IntakeQueue; queueStats?: () => Promise<Record<string, number>> } = {},
) {
  const { s3, db } = awsClients();
  const bucket = env(EXTRACTS_BUCKET.env);
  const mapping = optional(ENV.intakeMappingUuid);
  return {
    ...(await intakeDeps()),
    uploads: new S3UploadSigner(s3, bucket, optional(KEYS.data.env)),
    control: intakeControl(mapping ? eventSourceMappingSwitch(mapping) : undefined),
    queue: overrides.queue ?? new SqsIntakeQueue(new SQSClient({}), env(ENV.intakeQueueUrl), bucket),
    ...(overrides.queueStats ? { queueStats: overrides.queueStats } : {}),
    db,
  };
}

export type ApiPorts = Awaited<ReturnType<typeof apiPorts>>;
