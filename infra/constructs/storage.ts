/**
 * Stateful intake resources: the extracts bucket, the S3 server access log bucket, the intake
 * queue and its dead-letter queue, the queue that receives failed asynchronous invocations, the
 * webhook queue and its dead-letter queue (the change feed's notifications, issue 16), the
 * four DynamoDB tables of `TABLES`, and the uploader role. Everything but the access logs (S3
 * server access logging only delivers to SSE-S3 buckets) is encrypted with the data key, and
 * everything is retained when the stack goes away.
 *
 * Machine-checked by test/infra/iam.test.ts (policy simulation): the audit table's resource policy
 * denies every principal — administrators included — any change or removal of a record; the
 * extracts bucket's policy denies deleting an extract to every principal but the intake function.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EXTRACTS_BUCKET,
  LIMITS,
  TABLES,
  WEBHOOKS,
  type KeySchemaAttribute,
  type TableDefinition,
  type TableName,
} from '../../shared/config/resources.js';
import { extractsBucketArn, extractsBucketName, functionRoleArn } from '../naming.js';
import { APPEND_ONLY_TABLES } from './app-function.js';

export interface StorageProps {
  readonly environment: string;
  readonly dataKey: kms.IKey;
  /** Days S3 server access logs are kept. */
  readonly accessLogRetentionDays: number;
}

/** What no principal may do to an append-only table (its resource policy). */
export const APPEND_ONLY_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  // A TTL would make DynamoDB delete records; the table itself is never deleted.
  'dynamodb:UpdateTimeToLive',
  'dynamodb:DeleteTable',
] as const;

/** Prefixes of the access log bucket, one per logged bucket. */
export const ACCESS_LOG_PREFIXES = {
  extracts: 'extracts/',
  checkpoints: 'checkpoints/',
  console: 'console/',
} as const;

/**
 * Objects of `bucket` are SSE-KMS with `key`, whatever the writer asks: a put without encryption
 * headers gets the bucket default (that key, with a bucket key); a put that asks for anything else
 * — another algorithm, `aws:kms` without a key id (S3 would pick the AWS managed key), another key,
 * a customer-provided key (SSE-C, to which the bucket default does not apply) — is refused.
 * (Not `StringNotEqualsIfExists`: that also refuses a put without headers, such as the sealer's.)
 */
export function denyPutsNotEncryptedWith(bucket: s3.Bucket, key: kms.IKey): void {
  const deny = (sid: string, conditions: Record<string, Record<string, string>>) =>
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions,
      }),
    );
  const SSE = 's3:x-amz-server-side-encryption';
  const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  deny('DenyPutsNotEncryptedWithKms', { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'aws:kms' } });
  deny('DenyKmsPutsWithoutTheKeyId', { Null: { [SSE]: 'false', [KEY_ID]: 'true' } });
  deny('DenyPutsEncryptedWithAnotherKey', {
    Null: { [KEY_ID]: 'false' },
    StringNotEquals: { [KEY_ID]: key.keyArn },
  });
  deny('DenyPutsWithCustomerProvidedKeys', {
    Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' },
  });
}

/** An encrypted, private, TLS-only, owner-enforced bucket for S3 server access logs. */
export function accessLogBucket(scope: Construct, id: string, retentionDays: number): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: 'expire-access-logs',
        expiration: Duration.days(retentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
}

const attribute = (a: KeySchemaAttribute): dynamodb.Attribute => ({
  name: a.name,
  type: a.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Failed asynchronous invocations (the scheduled functions' on-failure destination). */
  readonly asyncFailures: sqs.Queue;
  /** Webhook notifications of the change feed (relay → delivery function), and those that failed `WEBHOOKS.maxReceives` times. */
  readonly webhookQueue: sqs.Queue;
  readonly webhookDeadLetters: sqs.Queue;
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly uploaderRole: iam.Role;
  /** S3 server access logs of every bucket of the service, one prefix per bucket. */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { dataKey, environment } = props;
    const bucketArn = extractsBucketArn(this, environment);
    this.accessLogs = accessLogBucket(this, 'AccessLogs', props.accessLogRetentionDays);

    // --- Queues -------------------------------------------------------------------------------
    this.deadLetterQueue = new sqs.Queue(this, 'IntakeDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(this, 'IntakeQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      visibilityTimeout: Duration.seconds(LIMITS.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: LIMITS.maxReceives },
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A failed asynchronous invocation (the sealer, the ops check) lands here after its retries.
    // Nothing consumes it: an alarm tells the operator, who reads it and purges it.
    this.asyncFailures = new sqs.Queue(this, 'AsyncFailures', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Webhook notifications (issue 16): no personal data in them, encrypted all the same (one key
    // for every queue). Kept 14 days in the DLQ: time to fix a receiver and redrive.
    this.webhookDeadLetters = new sqs.Queue(this, WEBHOOKS.deadLettersId, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.webhookQueue = new sqs.Queue(this, WEBHOOKS.queueId, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      visibilityTimeout: Duration.seconds(WEBHOOKS.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.webhookDeadLetters, maxReceiveCount: WEBHOOKS.maxReceives },
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Only the extracts bucket of this account may send (the key policy allows S3 the matching
    // kms:GenerateDataKey, see KeyRing).
    const s3MaySend = this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowObjectCreatedNotificationsFromTheExtractsBucket',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': bucketArn },
        },
      }),
    );

    // --- Extracts bucket ----------------------------------------------------------------------
    const kept = EXTRACTS_BUCKET.keptOutcomes.map((outcome): s3.LifecycleRule => ({
      id: `expire-${outcome}-extracts`,
      tagFilters: { [EXTRACTS_BUCKET.outcomeTag]: outcome },
      expiration: Duration.days(EXTRACTS_BUCKET.keptDays),
    }));
    this.bucket = new s3.Bucket(this, EXTRACTS_BUCKET.id, {
      bucketName: extractsBucketName(this, environment),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: dataKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIXES.extracts,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(EXTRACTS_BUCKET.noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        ...kept,
        {
          id: 'expire-review-images',
          prefix: EXTRACTS_BUCKET.reviewPrefix,
          expiration: Duration.days(EXTRACTS_BUCKET.keptDays),
        },
        {
          // Never processed (no outcome tag): expires too, long after extracts-stalled has fired.
          id: 'expire-never-processed',
          prefix: EXTRACTS_BUCKET.uploadPrefix,
          expiration: Duration.days(EXTRACTS_BUCKET.unprocessedDays),
        },
      ],
    });

    denyPutsNotEncryptedWith(this.bucket, dataKey);

    // Deleting an extract is the intake's last step after APPLIED/DUPLICATE, and nobody else's: not
    // the uploader, not the operator API, not an administrator. (Lifecycle expiry is not a request.)
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheIntakeDeletesExtracts',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': functionRoleArn(this, environment, 'intake') } },
      }),
    );

    // Upload keys are single-use and written only through the upload API. S3 can enforce that for
    // direct puts: every PutObject under incoming/ must carry `If-None-Match: *` (s3:if-none-match),
    // so no put replaces an object. A presigned POST cannot carry that header (s3:authType POST is
    // exempt); POSTs are accepted only when signed by the clerk API's role, whose policy fixes one
    // key per intake id; a form re-posted before it expires becomes a new version that the intake
    // detects (another SHA-256/version under a used key → an intake of its own). Nobody else writes
    // under incoming/: an object there without an upload of the API is refused (UNKNOWN_UPLOAD).
    const incoming = this.bucket.arnForObjects(`${EXTRACTS_BUCKET.uploadPrefix}*`);
    const clerkRole = functionRoleArn(this, environment, 'api-clerk');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadKeysAreSingleUse',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [incoming],
        conditions: { StringNotEquals: { 's3:authType': 'POST' }, Null: { 's3:if-none-match': 'true' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheUploadApiSignsUploadForms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [incoming],
        conditions: {
          StringEquals: { 's3:authType': 'POST' },
          ArnNotEquals: { 'aws:PrincipalArn': clerkRole },
        },
      }),
    );

    // ObjectCreated under the upload prefix → intake queue. Declared on the bucket itself (no
    // notifications custom resource): the fixed bucket name lets the queue policy name the bucket
    // without referencing it, so the bucket can wait for the queue policy S3 validates against.
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: this.queue.queueArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: EXTRACTS_BUCKET.uploadPrefix }] } },
        },
      ],
    };
    if (!s3MaySend.policyDependable) throw new Error('the intake queue has no resource policy');
    cfnBucket.node.addDependency(s3MaySend.policyDependable);

    // --- Tables -------------------------------------------------------------------------------
    const tables = {} as Record<TableName, dynamodb.Table>;
    for (const [name, def] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
      const table = new dynamodb.Table(this, def.id, {
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: dataKey,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
        ...('stream' in def && def.stream ? { stream: dynamodb.StreamViewType[def.stream] } : {}),
        // Append-only tables: no principal may change or remove a record, whatever IAM grants it.
        // (`*` as the resource: a table's policy cannot name the table's own ARN, a cycle.)
        ...(APPEND_ONLY_TABLES.includes(name)
          ? {
              resourcePolicy: new iam.PolicyDocument({
                statements: [
                  new iam.PolicyStatement({
                    sid: 'RecordsAreNeverChangedOrRemoved',
                    effect: iam.Effect.DENY,
                    principals: [new iam.AnyPrincipal()],
                    actions: [...APPEND_ONLY_DENIED_ACTIONS],
                    resources: ['*'],
                  }),
                ],
              }),
            }
          : {}),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const index of def.globalIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      tables[name] = table;
    }
    this.tables = tables;

    // --- Uploader -----------------------------------------------------------------------------
    // Puts extracts under its own uploader prefix, nothing else: the session must be tagged
    // `uploader=<segment>` when the role is assumed, and the grant is
    // incoming/${aws:PrincipalTag/uploader}/* — without the tag nothing matches. May never delete
    // (explicit deny, so no later grant can add it). Its puts are direct (If-None-Match required
    // by the bucket) and, having no upload of the API, are refused by the intake as UNKNOWN_UPLOAD
    // unless the API issued that key: the role is for tools acting for one clerk, not a side door.
    const tag = EXTRACTS_BUCKET.uploaderSessionTag;
    this.uploaderRole = new iam.Role(this, 'UploaderRole', {
      assumedBy: new iam.AccountRootPrincipal()
        .withConditions({ StringLike: { [`aws:RequestTag/${tag}`]: '?*' } })
        .withSessionTags(),
      description: `Uploads court-ruling extracts to ${EXTRACTS_BUCKET.uploadPrefix} (${environment})`,
      inlinePolicies: {
        upload: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PutExtracts',
              actions: ['s3:PutObject'],
              resources: [
                this.bucket.arnForObjects(`${EXTRACTS_BUCKET.uploadPrefix}\${aws:PrincipalTag/${tag}}/*`),
              ],
            }),
            new iam.PolicyStatement({
              sid: 'EncryptExtracts',
              actions: ['kms:GenerateDataKey', 'kms:Encrypt'],
              resources: [dataKey.keyArn],
            }),
            new iam.PolicyStatement({
              sid: 'NeverDelete',
              effect: iam.Effect.DENY,
              actions: ['s3:DeleteObject*'],
              resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
            }),
          ],
        }),
      },
    });

    // Nobody but the two upload paths writes under incoming/ — not the other functions, not an
    // administrator (whose objects the intake would refuse as UNKNOWN_UPLOAD anyway).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheUploadersWriteUploads',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [incoming],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [clerkRole, this.uploaderRole.roleArn] } },
      }),
    );
    // The page images an operator compares a held scan with come from the intake alone.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheIntakeWritesReviewImages',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${EXTRACTS_BUCKET.reviewPrefix}*`)],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': functionRoleArn(this, environment, 'intake') } },
      }),
    );
  }
}
