/**
 * The four API functions (stateless), one per caller group of `API_FUNCTIONS`, each with exactly
 * the rights its routes use (read from shared/use-cases and shared/adapters):
 *
 * | function    | rights                                                                                  |
 * | ----------- | --------------------------------------------------------------------------------------- |
 * | clerk       | intake: GetItem, PutItem, Query byUploader · control: GetItem (pause switch) · audit: PutItem · extracts: PutObject under  |
 * |             | `incoming/` (the presigned POST it signs) · data key: GenerateDataKey via S3            |
 * |             | receipts: audit GetItem (the decision's record) · control: GetItem (Merkle tiles) ·      |
 * |             | checkpoints: GetObject, ListBucket · data key: Decrypt via S3 · receipt key: Sign,      |
 * |             | GetPublicKey · signing key: GetPublicKey                                                |
 * | institution | ledger: GetItem, Query, PutItem (declared enrolments) · audit: PutItem · HMAC: GenerateMac |
 * |             | · changes: Query of `FEED#…` partitions (the change feed) — nothing on the extracts bucket |
 * |             | · webhook key: GetPublicKey (what receivers verify notifications with)                  |
 * | audit       | audit: PutItem, Scan (verify), GetItem (proofs), Query byDay/bySubject/byActor/         |
 * |             | byInstitution · control: GetItem, BatchGetItem (chart counters, totals, Merkle tiles),  |
 * |             | Query byCumulativeDay (totals) · ledger: GetItem, Query · HMAC: GenerateMac · data key: |
 * |             | Decrypt (names in the subject report, checkpoints) · signing key: GetPublicKey ·         |
 * |             | checkpoints: GetObject, ListBucket                                                      |
 * | admin       | control: GetItem, PutItem · intake: GetItem, PutItem, Query byOpenState · ledger: PutItem, UpdateItem |
 * |             | (imports) · audit: PutItem · HMAC: GenerateMac · data key: GenerateDataKey (names),      |
 * |             | Decrypt via SQS · queue: SendMessage · extracts under `incoming/`: GetObject(Version)    |
 * |             | (approval re-hashes the held version), PutObject(Version)Tagging, ListBucket (404 for a |
 * |             | gone extract) · the intake event source mapping                                         |
 *
 * Each function's composition (`clerkPorts`, `institutionPorts`, `auditorPorts`, `adminPorts` in
 * shared/composition/compose.ts) reads only the variables its `bind*` calls set: a function is told
 * of no resource it may not use (test/infra/environment.test.ts runs each composition against the
 * function's deployed environment).
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import {
  AUDIT_CHECKPOINTS,
  AUDIT_VERIFICATION_KEYS,
  CHANGE_KEYS,
  ENV,
  EXTRACTS_BUCKET,
  type TableName,
} from '../../shared/config/resources.js';
import { API_FUNCTIONS, type ApiFunction } from '../../shared/config/routes.js';
import { FEED_NUMBER_USE } from '../../shared/domain/feed.js';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction, type QueueAction } from './app-function.js';
import type { AuthSettings } from './identity.js';

export const API_ENTRIES: Readonly<Record<ApiFunction, string>> = Object.fromEntries(
  API_FUNCTIONS.map((fn) => [fn, join(PROJECT_ROOT, `functions/api-${fn}/handler.ts`)]),
) as Record<ApiFunction, string>;

/** What the operator API may do on a dead-letter queue: count it, and redrive it. */
const REDRIVE: readonly QueueAction[] = [
  'GetQueueAttributes',
  'StartMessageMoveTask',
  'ListMessageMoveTasks',
  'ReceiveMessage',
  'DeleteMessage',
];

export interface ApiFunctionsProps {
  readonly environment: string;
  readonly tables: Readonly<Record<TableName, dynamodb.ITable>>;
  readonly extracts: s3.IBucket;
  readonly intakeQueue: sqs.IQueue;
  /** The queues whose dead letters the operator sees and redrives, and where they go back to. */
  readonly deadLetters: {
    readonly intake: sqs.IQueue;
    readonly webhooks: sqs.IQueue;
    readonly webhookQueue: sqs.IQueue;
  };
  readonly checkpoints: s3.IBucket;
  readonly keys: {
    readonly data: kms.IKey;
    readonly hmac: kms.IKey;
    readonly signing: kms.IKey;
    readonly receipts: kms.IKey;
    readonly webhooks: kms.IKey;
  };
  /** The intake function's SQS event source mapping (the pause switch). */
  readonly intakeMapping: { readonly arn: string; readonly uuid: string };
  readonly auth: AuthSettings;
  readonly logRetention?: logs.RetentionDays;
}

export class ApiFunctions extends Construct {
  readonly clerk: AppFunction;
  readonly institution: AppFunction;
  readonly audit: AppFunction;
  readonly admin: AppFunction;

  constructor(scope: Construct, id: string, props: ApiFunctionsProps) {
    super(scope, id);
    const { tables, keys, extracts, checkpoints } = props;
    const fn = (name: ApiFunction, description: string, memorySize: number) =>
      new AppFunction(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}`, {
        environment: props.environment,
        name: `api-${name}` as const,
        entry: API_ENTRIES[name],
        description,
        logKey: keys.data,
        memorySize,
        ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      });
    const incoming = EXTRACTS_BUCKET.uploadPrefix;

    this.clerk = fn('clerk', 'Clerk API: presigned uploads and their statuses', 512)
      .bindTable('intake', tables.intake, ['GetItem', 'PutItem'], { byUploader: ['Query'] })
      // The pause switch, read only: an upload waiting while paused says so.
      .bindTable('control', tables.control, ['GetItem'])
      .bindTable('audit', tables.audit, ['PutItem'])
      // S3 evaluates the presigned POST with the signer's rights: put under incoming/, encrypt.
      .bindBucket(EXTRACTS_BUCKET.env, extracts, { prefix: incoming, objects: ['PutObject'] })
      .bindKey('data', keys.data, ['GenerateDataKey'], { via: 's3' })
      // Receipts (issue 16): the decision's audit record read by id (its time locates the sealing
      // checkpoint), the signed tree heads (SSE-KMS objects), the Merkle tiles (control-table items,
      // GetItem above), and a JWS signed with the receipt key — the tree heads' key only to hand
      // out its public half, never to sign.
      .bindTable('audit', tables.audit, ['GetItem'])
      .bindBucket(AUDIT_CHECKPOINTS.env, checkpoints, {
        prefix: AUDIT_CHECKPOINTS.prefix,
        objects: ['GetObject'],
        list: ['ListBucket'],
      })
      .bindKey('data', keys.data, ['Decrypt'], { via: 's3' })
      .bindKey('receipts', keys.receipts, ['Sign', 'GetPublicKey'])
      .bindKey('signing', keys.signing, ['GetPublicKey']);

    this.institution = fn('institution', 'Institution API: learning credit, enrolments, change feed', 512)
      .bindTable('ledger', tables.ledger, ['GetItem', 'Query', 'PutItem'])
      // The change feed: feed partitions only (`FEED#…`), never the outbox's pseudonyms.
      .bindTableItems('changes', tables.changes, ['Query'], [`${CHANGE_KEYS.feedPrefix}*`], 'prefix')
      .bindTable('audit', tables.audit, ['PutItem'])
      .bindKey('hmac', keys.hmac, ['GenerateMac'])
      // A feed read with a purpose shows full numbers: it decrypts the feed's numbers, never a name
      // (the Encryption SDK sends the context to KMS; names carry no `use`).
      .bindKey('data', keys.data, ['Decrypt'], { context: { use: FEED_NUMBER_USE } })
      // `GET /v1/changes/webhook-key`: the public half only; only the delivery function signs.
      .bindKey('webhooks', keys.webhooks, ['GetPublicKey']);

    this.audit = fn('audit', 'Auditor API: access log, verification, subject reports', 1024)
      // GetItem: a record's time by id, to locate it for an inclusion proof (issue 14).
      .bindTable('audit', tables.audit, ['PutItem', 'Scan', 'GetItem'], {
        byDay: ['Query'],
        bySubject: ['Query'],
        byActor: ['Query'],
        byInstitution: ['Query'],
      })
      // The chart's per-day counters, the log's running totals, the verified head and the full
      // verification's progress and result (items the sealer keeps in the control table); a
      // period's total reads the first cumulative day item at or after a day (byCumulativeDay).
      .bindTable('control', tables.control, ['GetItem', 'BatchGetItem'], { byCumulativeDay: ['Query'] })
      // Requesting the full verification: that one item only, not the intake switch beside it.
      .bindTableItems('control', tables.control, ['UpdateItem'], [AUDIT_VERIFICATION_KEYS.full])
      .bindTable('ledger', tables.ledger, ['GetItem', 'Query'])
      .bindKey('hmac', keys.hmac, ['GenerateMac'])
      // Names in the subject report (Encryption SDK) and checkpoint objects (SSE-KMS).
      .bindKey('data', keys.data, ['Decrypt'])
      // Verification happens in the function with the public key: no kms:Verify.
      .bindKey('signing', keys.signing, ['GetPublicKey'])
      .bindBucket(AUDIT_CHECKPOINTS.env, checkpoints, {
        prefix: AUDIT_CHECKPOINTS.prefix,
        objects: ['GetObject'],
        list: ['ListBucket'],
      });

    this.admin = fn('admin', 'Operator API: intake switch, held extracts, imports', 1024)
      .bindTable('control', tables.control, ['GetItem', 'PutItem'])
      .bindTable('intake', tables.intake, ['GetItem', 'PutItem'], { byOpenState: ['Query'] })
      .bindTable('ledger', tables.ledger, ['PutItem', 'UpdateItem'])
      .bindTable('audit', tables.audit, ['PutItem'])
      .bindKey('hmac', keys.hmac, ['GenerateMac'])
      .bindKey('data', keys.data, ['GenerateDataKey'])
      // SendMessage to the SSE-KMS queue: SQS generates (above) and decrypts data keys on the sender's behalf.
      .bindKey('data', keys.data, ['Decrypt'], { via: 'sqs' })
      .bindQueue(ENV.intakeQueueUrl, props.intakeQueue, ['SendMessage', 'GetQueueAttributes'])
      // Dead letters: counted, and moved back by an SQS message move task, which runs on the
      // caller's rights (receive and delete on the DLQ, send to the source queue, the key via SQS).
      .bindQueue(ENV.intakeDeadLettersUrl, props.deadLetters.intake, REDRIVE)
      .bindQueue(ENV.webhookDeadLettersUrl, props.deadLetters.webhooks, REDRIVE)
      .bindQueue(ENV.webhookQueueUrl, props.deadLetters.webhookQueue, ['SendMessage'], { env: false })
      // HeadObject (approve: does the extract still exist?) and tagging (reject). ListBucket turns a
      // missing extract into 404 instead of 403.
      .bindBucket(EXTRACTS_BUCKET.env, extracts, {
        prefix: incoming,
        // Approval re-reads exactly the held version (GetObjectVersion) to re-check its hash.
        objects: ['GetObject', 'GetObjectVersion', 'PutObjectTagging', 'PutObjectVersionTagging'],
        list: ['ListBucket'],
      })
      // A held scan's page images (review/): read to show the operator.
      .bindBucket(EXTRACTS_BUCKET.env, extracts, {
        prefix: EXTRACTS_BUCKET.reviewPrefix,
        objects: ['GetObject'],
      })
      .bindEventSourceMapping(ENV.intakeMappingUuid, props.intakeMapping);

    const { auth } = props;
    for (const f of this.all) {
      f.setEnv(ENV.authIssuer, auth.issuer)
        .setEnv(ENV.authAudience, auth.audienceList)
        .setEnv(ENV.authJwksUrl, auth.jwksUrl)
        .setEnv(ENV.authClientInstitutions, auth.clientInstitutionsJson);
      if (auth.requiredAcr?.length) f.setEnv(ENV.authRequiredAcr, auth.requiredAcr.join(','));
      if (auth.requiredAmr?.length) f.setEnv(ENV.authRequiredAmr, auth.requiredAmr.join(','));
      if (auth.studentNumberClaim) f.setEnv(ENV.authStudentNumberClaim, auth.studentNumberClaim);
    }
  }

  get all(): readonly AppFunction[] {
    return [this.clerk, this.institution, this.audit, this.admin];
  }

  /** The Lambda function behind each `fn` of `ROUTES`. */
  get byRouteFunction(): Readonly<Record<ApiFunction, AppFunction>> {
    return { clerk: this.clerk, institution: this.institution, audit: this.audit, admin: this.admin };
  }
}
