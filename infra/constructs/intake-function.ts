/**
 * The intake function (stateless): SQS → Lambda with partial batch responses, on `AppFunction`
 * (shared bundling, own log group, explicit role) with exactly the rights `processExtract` uses:
 *
 * - extracts under `incoming/`: read (HeadObject/GetObject, GetObjectVersion: the version an event
 *   names), tag the kept version, delete the processed version (ListBucketVersions limited to the
 *   prefix for the "every version" fallback); a held scan's page images: put under `review/`;
 * - ledger: GetItem, PutItem (ruling claims, entries), UpdateItem (student, balance); changes:
 *   PutItem of outbox items (`OUT#…`), in the same TransactWriteItems as the balance update (IAM
 *   checks each action of a transaction: no transaction-level action exists);
 * - intake statuses: GetItem, PutItem; audit: PutItem only;
 * - HMAC key: GenerateMac; data key: GenerateDataKey (names, Encryption SDK) and Decrypt via S3
 *   (SSE-KMS extracts); the queue consumption grant adds Decrypt for the SQS-encrypted messages.
 *
 * - DBRC's seal: the policy (`SIGNATURE_POLICY`) and the trust anchors (`SIGNATURE_TRUST_ANCHORS`,
 *   PEM) from the deployment configuration; plain values, no grant.
 *
 * - control table: GetItem only (the pause switch, read on every message; the operator API flips
 *   it). No event source mapping rights.
 *
 * Concurrency is bounded on the event source mapping (`maximumConcurrency`), not by reserving
 * concurrency on the function: a reserved limit makes Lambda throttle the poller's invocations,
 * each throttle counts as a receive, and a burst would send healthy extracts to the dead-letter
 * queue. The mapping bound protects the same downstreams (the ledger's hot student items, KMS
 * request quotas) without that failure mode.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { CHANGE_KEYS, ENV, EXTRACTS_BUCKET, LIMITS, type TableName } from '../../shared/config/resources.js';
import type { SealConfig } from '../config.js';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction } from './app-function.js';

export const INTAKE_ENTRY = join(PROJECT_ROOT, 'functions/intake/handler.ts');

/** At most this many intake invocations run at once (SQS event source `maximumConcurrency`, ≥ 2). */
export const INTAKE_MAX_CONCURRENCY = 5;

export interface IntakeFunctionProps {
  readonly environment: string;
  readonly bucket: s3.IBucket;
  readonly queue: sqs.IQueue;
  readonly tables: Record<TableName, dynamodb.ITable>;
  readonly dataKey: kms.IKey;
  readonly hmacKey: kms.IKey;
  /** Entry module; the real handler unless a test substitutes one. */
  readonly entry?: string;
  readonly logRetention?: logs.RetentionDays;
  /** DBRC's seal; default: policy `off`. */
  readonly seal?: SealConfig;
}

export class IntakeFunction extends AppFunction {
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: IntakeFunctionProps) {
    super(scope, id, {
      environment: props.environment,
      name: 'intake',
      entry: props.entry ?? INTAKE_ENTRY,
      description: 'Intake of court-ruling extracts',
      logKey: props.dataKey,
      memorySize: 1024,
      timeout: Duration.seconds(LIMITS.intakeFunctionTimeoutSeconds),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });

    this.eventSource = new SqsEventSource(props.queue, {
      batchSize: LIMITS.intakeBatchSize,
      reportBatchItemFailures: true,
      maxConcurrency: INTAKE_MAX_CONCURRENCY,
    });
    this.function.addEventSource(this.eventSource);

    const { bucket, tables, dataKey, hmacKey } = props;
    this.bindBucket(EXTRACTS_BUCKET.env, bucket, {
      prefix: EXTRACTS_BUCKET.uploadPrefix,
      // The version an event names (GetObjectVersion), tagged (PutObjectVersionTagging) or
      // deleted (DeleteObjectVersion) exactly: a later object under the key is another intake's.
      objects: [
        'GetObject',
        'GetObjectVersion',
        'PutObjectTagging',
        'PutObjectVersionTagging',
        'DeleteObject',
        'DeleteObjectVersion',
      ],
      // Deleting "every version" of an extract needs its version list.
      list: ['ListBucketVersions'],
      listOnlyPrefix: true,
    })
      // A held scan's page images, for the operator's review (written once, expire with it).
      .bindBucket(EXTRACTS_BUCKET.env, bucket, {
        prefix: EXTRACTS_BUCKET.reviewPrefix,
        objects: ['PutObject'],
      })
      .bindTable('ledger', tables.ledger, ['GetItem', 'PutItem', 'UpdateItem'])
      // The change's outbox entry, written in the balance change's transaction (outbox items only).
      .bindTableItems('changes', tables.changes, ['PutItem'], [`${CHANGE_KEYS.outboxPrefix}*`], 'prefix')
      .bindTable('intake', tables.intake, ['GetItem', 'PutItem'])
      .bindTable('control', tables.control, ['GetItem'])
      .bindTable('audit', tables.audit, ['PutItem'])
      .bindKey('hmac', hmacKey, ['GenerateMac'])
      .bindKey('data', dataKey, ['GenerateDataKey'])
      .bindKey('data', dataKey, ['Decrypt'], { via: 's3' });
    this.setEnv(ENV.signaturePolicy, props.seal?.policy ?? 'off');
    if (props.seal?.trustAnchors) this.setEnv(ENV.signatureTrustAnchors, props.seal.trustAnchors);
  }
}
