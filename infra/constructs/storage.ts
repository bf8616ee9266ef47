/**
 * Stateful intake resources: the extracts bucket, the intake queue and its dead-letter queue,
 * the four DynamoDB tables of `TABLES`, and the uploader role. Everything is encrypted with the
 * data key and retained when the stack goes away.
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
  type KeySchemaAttribute,
  type TableDefinition,
  type TableName,
} from '../../shared/config/resources.js';
import { extractsBucketArn, extractsBucketName } from '../naming.js';

export interface StorageProps {
  readonly environment: string;
  readonly dataKey: kms.IKey;
}

const attribute = (a: KeySchemaAttribute): dynamodb.Attribute => ({
  name: a.name,
  type: a.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly uploaderRole: iam.Role;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { dataKey, environment } = props;
    const bucketArn = extractsBucketArn(this, environment);

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
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(EXTRACTS_BUCKET.noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        ...kept,
      ],
    });

    // Objects are SSE-KMS with the data key: a put that asks for anything else is refused. A put
    // without encryption headers gets the bucket default (the data key, with a bucket key). A put
    // naming `aws:kms` without a key id would get the AWS managed key, so the key id is then required.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutsNotEncryptedWithKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutsEncryptedWithAnotherKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': dataKey.keyArn },
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
    // Puts extracts under the upload prefix, nothing else; may never delete (explicit deny, so no
    // later grant can add it).
    this.uploaderRole = new iam.Role(this, 'UploaderRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: `Uploads court-ruling extracts to ${EXTRACTS_BUCKET.uploadPrefix} (${environment})`,
      inlinePolicies: {
        upload: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PutExtracts',
              actions: ['s3:PutObject'],
              resources: [this.bucket.arnForObjects(`${EXTRACTS_BUCKET.uploadPrefix}*`)],
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
  }
}
