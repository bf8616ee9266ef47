/**
 * Every Lambda function of the service goes through `AppFunction`: arm64, `nodejs24.x`, the
 * shared esbuild recipe (infra/bundling.ts: no Docker, source maps, runs from an empty directory,
 * the pdf.js preload only for functions that read PDFs),
 * its own log group (data key, retention; named per deployment of the stack, see naming.ts), active tracing, Powertools environment, and an explicit
 * role — named `ruling-intake-<env>-<function>`, so key and bucket policies in the stateful stack
 * can name it without a reference — that starts with nothing but writing to that log group.
 * Optionally: reserved concurrency, and for functions invoked asynchronously an on-failure
 * destination (a queue) with the retries and event age given.
 *
 * Rights are added only through the `bind*` helpers, each of which grants exactly the actions
 * named (no `*`, no CDK `grantReadWriteData` bundles) AND sets the environment variable through
 * which the code finds the resource, so a function never learns of a resource it may not use
 * without it being visible here. `setEnv` is for plain configuration (no rights).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { ENV, KEYS, LIMITS, SERVICE_NAME, TABLES, type TableName } from '../../shared/config/resources.js';
import { NODE_RUNTIME, PROJECT_ROOT, bundleSpecFor, cdkBundling } from '../bundling.js';
import { functionRoleName, stackLogGroupName, type FunctionName } from '../naming.js';
import { KEY_USERS, RESTRICTED_KEY_ACTIONS } from './keys.js';

export type KeyName = keyof typeof KEYS;

/** DynamoDB item actions a function may be granted on a table (never table administration). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';
/** Actions on a global secondary index (only reads exist there). */
export type IndexAction = 'Query' | 'Scan';

/** Tables whose records are never changed or removed: only PutItem and reads may be granted. */
export const APPEND_ONLY_TABLES: readonly TableName[] = ['audit'];
const MUTATING: readonly TableAction[] = ['UpdateItem', 'DeleteItem', 'BatchWriteItem'];

export type S3ObjectAction =
  | 'GetObject'
  | 'GetObjectVersion'
  | 'PutObject'
  | 'PutObjectTagging'
  | 'PutObjectVersionTagging'
  | 'DeleteObject'
  | 'DeleteObjectVersion';
export type S3BucketAction = 'ListBucket' | 'ListBucketVersions';

export type KmsAction =
  'Encrypt' | 'Decrypt' | 'GenerateDataKey' | 'GenerateMac' | 'Sign' | 'Verify' | 'GetPublicKey';

/** AWS services through which a KMS grant may be restricted (`kms:ViaService`). */
export type ViaService = 's3' | 'sqs';

export interface BucketAccess {
  /** Object key prefix the object actions are limited to, e.g. `incoming/`. */
  readonly prefix: string;
  readonly objects: readonly S3ObjectAction[];
  /**
   * Bucket-level list actions. `ListBucket` also makes S3 answer 404 instead of 403 for a missing
   * key, which HeadObject-based existence checks rely on.
   */
  readonly list?: readonly S3BucketAction[];
  /** Limit the list actions to `prefix` with an `s3:prefix` condition (default false). */
  readonly listOnlyPrefix?: boolean;
}

/** How a function invoked asynchronously (EventBridge) retries, and where a failed event goes. */
export interface AsyncInvocation {
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  /** Receives the failed event; the function's role gets exactly SendMessage and the key use it needs. */
  readonly onFailure: { readonly queue: sqs.IQueue; readonly key: kms.IKey };
}

export interface AppFunctionProps {
  readonly environment: string;
  /** Short name (`api-clerk`): log group `/ruling-intake/<env>/<name>`, role name and statement ids. */
  readonly name: FunctionName;
  /** Absolute path of the entry module; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Encrypts the log group (the data key; its policy lets CloudWatch Logs use it for this prefix). */
  readonly logKey: kms.IKey;
  /** Retention of the log group (default `LIMITS.logRetentionDays`). */
  readonly logRetention?: logs.RetentionDays;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /** Reserved concurrency (also the maximum); unset: the account's unreserved pool. */
  readonly reservedConcurrency?: number;
  /** For functions invoked asynchronously. */
  readonly async?: AsyncInvocation;
}

/** An on-failure destination that grants nothing: `AppFunction` grants exactly what sending needs. */
class QueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}
  bind(): lambda.DestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** The SQS actions a function may be granted on a queue. */
export type QueueAction =
  | 'SendMessage'
  | 'GetQueueAttributes'
  // A dead-letter redrive: the task, and the rights SQS moves the messages with (the caller's).
  | 'StartMessageMoveTask'
  | 'ListMessageMoveTasks'
  | 'ReceiveMessage'
  | 'DeleteMessage';

export class AppFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly name: FunctionName;
  private readonly env = new Map<string, string>();
  private readonly sids = new Set<string>();

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.name = props.name;
    const retention = props.logRetention ?? (LIMITS.logRetentionDays as number as logs.RetentionDays);
    if (!Object.values(logs.RetentionDays).includes(retention)) {
      throw new Error(`${retention} days is not a CloudWatch Logs retention period`);
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackLogGroupName(props.environment, props.name),
      retention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    this.role = new iam.Role(this, 'Role', {
      roleName: functionRoleName(props.environment, props.name),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${SERVICE_NAME} ${props.name} function (${props.environment})`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(29),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      description: `${props.description} (${props.environment})`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: cdkBundling(bundleSpecFor(props.name)),
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      ...(props.async
        ? {
            retryAttempts: props.async.retryAttempts,
            maxEventAge: props.async.maxEventAge,
            onFailure: new QueueDestination(props.async.onFailure.queue),
          }
        : {}),
    });
    if (props.async) {
      const { queue, key } = props.async.onFailure;
      this.allow('async failures', { actions: ['sqs:SendMessage'], resources: [queue.queueArn] });
      this.bindKey('data', key, ['GenerateDataKey', 'Decrypt'], { via: 'sqs', env: false });
    }
    this.setEnv(ENV.serviceName, SERVICE_NAME);
    // The environment's name, for a metric dimension (two environments in one account never mix).
    this.setEnv(ENV.environment, props.environment);
    this.setEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    // Events carry national numbers (paths, bodies): never log them whole.
    this.setEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'false');
    this.setEnv('NODE_OPTIONS', '--enable-source-maps');
  }

  /** The environment variables set so far (values may be tokens). */
  get environmentVariables(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.env);
  }

  /** Sets a plain configuration variable (grants nothing). Setting a name twice with two values is an error. */
  setEnv(name: string, value: string): this {
    const previous = this.env.get(name);
    if (previous !== undefined && previous !== value) {
      throw new Error(`${this.node.path}: environment variable ${name} is already set to another value`);
    }
    if (previous === undefined) {
      this.env.set(name, value);
      this.function.addEnvironment(name, value);
    }
    return this;
  }

  private allow(sid: string, statement: Omit<iam.PolicyStatementProps, 'sid' | 'effect'>): void {
    let unique = pascal(sid);
    for (let n = 2; this.sids.has(unique); n++) unique = `${pascal(sid)}${n}`;
    this.sids.add(unique);
    this.role.addToPolicy(new iam.PolicyStatement({ ...statement, sid: unique }));
  }

  /**
   * Item actions on a table of `TABLES` (and optionally on its indexes); sets `TABLES[name].env`.
   * The audit table accepts only PutItem and reads.
   */
  bindTable(
    name: TableName,
    table: dynamodb.ITable,
    actions: readonly TableAction[],
    indexes: Readonly<Record<string, readonly IndexAction[]>> = {},
  ): this {
    const def = TABLES[name];
    if (APPEND_ONLY_TABLES.includes(name)) {
      const refused = actions.filter((a) => MUTATING.includes(a));
      if (refused.length > 0) {
        throw new Error(`the ${name} table is append-only: ${refused.join(', ')} may not be granted`);
      }
    }
    if (actions.length > 0) {
      this.allow(`${name} table`, {
        actions: [...new Set(actions)].map((a) => `dynamodb:${a}`),
        resources: [table.tableArn],
      });
    }
    for (const [index, indexActions] of Object.entries(indexes)) {
      if (!def.globalIndexes.some((i) => i.name === index)) {
        throw new Error(`the ${name} table has no index ${index}`);
      }
      this.allow(`${name} ${index} index`, {
        actions: [...new Set(indexActions)].map((a) => `dynamodb:${a}`),
        resources: [`${table.tableArn}/index/${index}`],
      });
    }
    return this.setEnv(def.env, table.tableName);
  }

  /**
   * Item actions on a table limited to items whose partition key is one of `keys` (IAM condition
   * `dynamodb:LeadingKeys`); sets `TABLES[name].env`. Never on an append-only table.
   */
  bindTableItems(
    name: TableName,
    table: dynamodb.ITable,
    actions: readonly TableAction[],
    keys: readonly string[],
    /** `prefix`: each key is a pattern ending in `*` (`FEED#*`), matched with StringLike. */
    match: 'exact' | 'prefix' = 'exact',
  ): this {
    if (APPEND_ONLY_TABLES.includes(name) && actions.some((a) => MUTATING.includes(a)))
      throw new Error(`the ${name} table is append-only`);
    if (match === 'prefix' && keys.some((k) => !/^[^*?]+\*$/.test(k)))
      throw new Error(`key patterns must be a fixed prefix followed by *: ${keys.join(', ')}`);
    this.allow(`${name} table items`, {
      actions: [...new Set(actions)].map((a) => `dynamodb:${a}`),
      resources: [table.tableArn],
      conditions: {
        [match === 'prefix' ? 'ForAllValues:StringLike' : 'ForAllValues:StringEquals']: {
          'dynamodb:LeadingKeys': [...keys],
        },
      },
    });
    return this.setEnv(TABLES[name].env, table.tableName);
  }

  /** Object actions under one prefix (and optional list actions) on a bucket; sets `envName`. */
  bindBucket(envName: string, bucket: s3.IBucket, access: BucketAccess): this {
    const label = envName.replace(/_BUCKET$/, '').toLowerCase();
    if (access.objects.length > 0) {
      this.allow(`${label} objects`, {
        actions: [...new Set(access.objects)].map((a) => `s3:${a}`),
        resources: [bucket.arnForObjects(`${access.prefix}*`)],
      });
    }
    if (access.list?.length) {
      this.allow(`${label} list`, {
        actions: [...new Set(access.list)].map((a) => `s3:${a}`),
        resources: [bucket.bucketArn],
        ...(access.listOnlyPrefix
          ? { conditions: { StringLike: { 's3:prefix': [`${access.prefix}*`] } } }
          : {}),
      });
    }
    return this.setEnv(envName, bucket.bucketName);
  }

  /**
   * Actions on one key of `KEYS`; sets `KEYS[name].env` (the key ARN for `*_ARN`, else the key id)
   * unless `env: false` (a key the code never names, used only by a service on its behalf).
   * With `via`, the grant only holds for requests KMS receives from that service on the function's
   * behalf (S3 SSE-KMS, SQS SSE), not for direct calls.
   */
  bindKey(
    name: KeyName,
    key: kms.IKey,
    actions: readonly KmsAction[],
    options: {
      readonly via?: ViaService;
      readonly env?: boolean;
      /** Only ciphertexts whose encryption context holds these pairs (`kms:EncryptionContext:<key>`). */
      readonly context?: Readonly<Record<string, string>>;
    } = {},
  ): this {
    if (name === 'hmac' || name === 'signing' || name === 'receipts' || name === 'webhooks') {
      const restricted = actions.filter((a) => RESTRICTED_KEY_ACTIONS[name].includes(`kms:${a}`));
      if (restricted.length > 0 && !KEY_USERS[name].includes(this.name)) {
        throw new Error(
          `${this.name} may not use the ${name} key for ${restricted.join(', ')}: its key policy allows only ${KEY_USERS[name].join(', ')} (KEY_USERS in keys.ts)`,
        );
      }
    }
    const region = Stack.of(this).region;
    const context = Object.entries(options.context ?? {}).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]);
    const conditions = {
      ...(options.via ? { 'kms:ViaService': `${options.via}.${region}.amazonaws.com` } : {}),
      ...Object.fromEntries(context),
    };
    const sid = `${name} key${options.via ? ` via ${options.via}` : ''}${context.length ? ` for ${Object.values(options.context ?? {}).join(' ')}` : ''}`;
    this.allow(sid, {
      actions: [...new Set(actions)].map((a) => `kms:${a}`),
      resources: [key.keyArn],
      ...(Object.keys(conditions).length ? { conditions: { StringEquals: conditions } } : {}),
    });
    if (options.env === false) return this;
    const env = KEYS[name].env;
    return this.setEnv(env, env.endsWith('_ARN') ? key.keyArn : key.keyId);
  }

  /** Reading a DynamoDB stream, as an event source mapping on it does (no environment variable). */
  allowStream(streamArn: string): this {
    this.allow('stream', {
      actions: [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      ],
      resources: [streamArn],
    });
    return this;
  }

  /** Sending failed records' descriptions to an encrypted queue (an event source's on-failure destination). */
  allowFailureQueue(queue: sqs.IQueue, key: kms.IKey): this {
    this.allow('stream failures', { actions: ['sqs:SendMessage'], resources: [queue.queueArn] });
    this.bindKey('data', key, ['GenerateDataKey', 'Decrypt'], { via: 'sqs', env: false });
    return this;
  }

  /**
   * Actions on a queue; sets `envName` to its URL (`{ env: false }`: a right on a queue the code
   * never names, e.g. the source queue a dead-letter redrive sends back to). A KMS-encrypted queue
   * needs the key too (`bindKey` via sqs).
   */
  bindQueue(
    envName: string,
    queue: sqs.IQueue,
    actions: readonly QueueAction[],
    options: { readonly env?: false } = {},
  ): this {
    this.allow(envName.replace(/_URL$/, '').toLowerCase(), {
      actions: [...new Set(actions)].map((a) => `sqs:${a}`),
      resources: [queue.queueArn],
    });
    return options.env === false ? this : this.setEnv(envName, queue.queueUrl);
  }

  /**
   * `lambda:UpdateEventSourceMapping` on one mapping (the intake pause switch); sets `envName` to
   * its UUID. The mapping must belong to another function: a function cannot be told its own
   * mapping's UUID (function → mapping → function is a cycle). A separate policy all the same,
   * so the default policy, which every function waits for, never waits for a mapping.
   */
  bindEventSourceMapping(envName: string, mapping: { readonly arn: string; readonly uuid: string }): this {
    new iam.Policy(this, 'EventSourceMappingPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'UpdateIntakeEventSourceMapping',
          actions: ['lambda:UpdateEventSourceMapping'],
          resources: [mapping.arn],
        }),
      ],
    });
    return this.setEnv(envName, mapping.uuid);
  }
}
