/**
 * The intake function (stateless): SQS → Lambda with partial batch responses, bundled locally
 * with the shared esbuild options, and exactly the permissions its job needs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import {
  ENV,
  EXTRACTS_BUCKET,
  KEYS,
  LIMITS,
  SERVICE_NAME,
  TABLES,
  type TableName,
} from '../../shared/config/resources.js';
import { NODE_RUNTIME, PROJECT_ROOT, cdkBundling } from '../bundling.js';
import { logGroupPrefix } from '../naming.js';

export const INTAKE_ENTRY = join(PROJECT_ROOT, 'functions/intake/handler.ts');

export interface IntakeFunctionProps {
  readonly environment: string;
  readonly bucket: s3.IBucket;
  readonly queue: sqs.IQueue;
  readonly tables: Record<TableName, dynamodb.ITable>;
  readonly dataKey: kms.IKey;
  readonly hmacKey: kms.IKey;
  /** Entry module; the real handler unless a test substitutes one. */
  readonly entry?: string;
}

/** Read and write items, no scans, no table administration. */
const ITEM_READ_WRITE = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
];

/**
 * The environment variables the function receives (values may be tokens). Also used by the
 * bundle test to start the handler module the way Lambda would.
 */
export function intakeEnvironment(
  p: Omit<IntakeFunctionProps, 'environment' | 'queue' | 'entry'>,
): Record<string, string> {
  const tableEnv = Object.fromEntries(
    (Object.keys(TABLES) as TableName[]).map((name) => [TABLES[name].env, p.tables[name].tableName]),
  );
  return {
    [ENV.serviceName]: SERVICE_NAME,
    NODE_OPTIONS: '--enable-source-maps',
    [EXTRACTS_BUCKET.env]: p.bucket.bucketName,
    ...tableEnv,
    [KEYS.data.env]: p.dataKey.keyArn,
    [KEYS.hmac.env]: p.hmacKey.keyId,
    // ENV.intakeMappingUuid is deliberately absent: the mapping references the function, so the
    // function cannot reference the mapping (function → mapping → function, which CloudFormation
    // rejects). The UUID is a stack output (IntakeEventSourceMappingUuid) for whoever flips the
    // pause switch; a function that needs it at runtime must get it another way (SSM parameter
    // with a fixed name, a separate operator function, or ListEventSourceMappings).
  };
}

export class IntakeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: IntakeFunctionProps) {
    super(scope, id);
    const retention = LIMITS.logRetentionDays as number as logs.RetentionDays;
    if (!Object.values(logs.RetentionDays).includes(retention)) {
      throw new Error(
        `LIMITS.logRetentionDays (${LIMITS.logRetentionDays}) is not a CloudWatch Logs retention period`,
      );
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `${logGroupPrefix(props.environment)}intake`,
      retention,
      encryptionKey: props.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${SERVICE_NAME} intake function (${props.environment})`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry ?? INTAKE_ENTRY,
      handler: 'handler',
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(LIMITS.intakeFunctionTimeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      description: `Intake of court-ruling extracts (${props.environment})`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: cdkBundling(),
      environment: intakeEnvironment(props),
    });

    this.eventSource = new SqsEventSource(props.queue, {
      batchSize: LIMITS.intakeBatchSize,
      reportBatchItemFailures: true,
    });
    this.function.addEventSource(this.eventSource);

    // --- Permissions --------------------------------------------------------------------------
    const { bucket, tables, dataKey, hmacKey } = props;
    const incoming = bucket.arnForObjects(`${EXTRACTS_BUCKET.uploadPrefix}*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTagAndDeleteExtracts',
        actions: [
          's3:GetObject',
          's3:GetObjectVersion',
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:PutObjectTagging',
          's3:PutObjectVersionTagging',
        ],
        resources: [incoming],
      }),
    );
    // Deleting "every version" of an extract needs its version list.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListExtractVersions',
        actions: ['s3:ListBucketVersions'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${EXTRACTS_BUCKET.uploadPrefix}*`] } },
      }),
    );
    for (const name of ['ledger', 'intake', 'control'] as const)
      tables[name].grant(this.role, ...ITEM_READ_WRITE);
    // The audit log is append-only: PutItem on the table, not even on its indexes.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AppendAudit',
        actions: ['dynamodb:PutItem'],
        resources: [tables.audit.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Pseudonyms',
        actions: ['kms:GenerateMac'],
        resources: [hmacKey.keyArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EnvelopeEncryption',
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [dataKey.keyArn],
      }),
    );

    // The intake pause switch disables/enables this function's own mapping. A separate policy:
    // the mapping depends on the function, which depends on its role's default policy, so the
    // default policy cannot name the mapping.
    new iam.Policy(this, 'PauseSwitchPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'PauseOwnEventSourceMapping',
          actions: ['lambda:UpdateEventSourceMapping'],
          resources: [this.eventSource.eventSourceMappingArn],
        }),
      ],
    });
  }
}
