/**
 * The audit sealer (stateless): an EventBridge schedule runs it every
 * `AUDIT_CHECKPOINTS.sealEveryMinutes` minute(s); each run chains the audit records that arrived
 * since the last checkpoint, signs the checkpoint with the KMS signing key and writes it, once, to
 * the Object Lock bucket. Rights, exactly what `sealAudit` and its adapters use:
 *
 * - audit table: Scan (the first seal reads everything) and Query on the `byDay` index — no
 *   PutItem, no UpdateItem, no DeleteItem;
 * - control table: GetItem, BatchGetItem, UpdateItem — the per-day counters of the auditor's chart
 *   (`audit-day#…` items, each checkpoint counted once), the cumulative counters of the log's totals
 *   (`audit-total#…`, `audit-cum#…`) and their watermark; PutItem, BatchWriteItem — the one-off
 *   backfill of the cumulative counters from the per-day ones (a log counted before they existed); the last verified signed head (moved
 *   only after the new checkpoints verified); the full re-verification's progress and its signed
 *   result (`{"fullVerification":"start"}`, or the auditor API's request item, starts one; each
 *   run continues it for at most 40 s and stores where it stopped); the Merkle tiles of the
 *   inclusion proofs and their pointer (`audit-tile#…`, `audit-tiles`: UpdateItem only);
 * - signing key: Sign, GetPublicKey (it verifies its own signature before writing);
 * - checkpoints under `checkpoints/`: PutObject (the bucket's default Object Lock retention
 *   applies; no right to set one), GetObject (read and HEAD), ListBucket (the latest checkpoint;
 *   also 404s);
 * - data key via S3 only: GenerateDataKey and Decrypt, as S3 needs them for SSE-KMS objects.
 *
 * A failed run is not retried asynchronously: the next scheduled run seals the same records; the
 * failed event goes to the async-failure queue (alarmed). Reserved concurrency 1: two sealers at
 * once only race for the same sequence number (the loser's write is refused by If-None-Match), so
 * one at a time protects the checkpoint chain and the signing key's request quota.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { AUDIT_CHECKPOINTS, AUDIT_TOTAL_KEY_PREFIXES } from '../../shared/config/resources.js';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction } from './app-function.js';

export const SEALER_ENTRY = join(PROJECT_ROOT, 'functions/audit-sealer/handler.ts');

export interface AuditSealerProps {
  readonly environment: string;
  readonly auditTable: dynamodb.ITable;
  /** The control table: the sealer keeps the audit log's per-day counters there. */
  readonly controlTable: dynamodb.ITable;
  readonly checkpoints: s3.IBucket;
  readonly signingKey: kms.IKey;
  readonly dataKey: kms.IKey;
  /** On-failure destination of the scheduled invocations. */
  readonly asyncFailures: sqs.IQueue;
  readonly logRetention?: logs.RetentionDays;
  /** Reserve one concurrent execution (default false: a fresh account's quota of 10 refuses it). */
  readonly reserveConcurrency?: boolean;
}

export class AuditSealer extends AppFunction {
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: AuditSealerProps) {
    super(scope, id, {
      environment: props.environment,
      name: 'audit-sealer',
      entry: SEALER_ENTRY,
      description: 'Seals the audit trail into signed, write-once checkpoints',
      logKey: props.dataKey,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      ...(props.reserveConcurrency === true ? { reservedConcurrency: 1 } : {}),
      async: {
        retryAttempts: 0,
        maxEventAge: Duration.minutes(AUDIT_CHECKPOINTS.sealEveryMinutes * 5),
        onFailure: { queue: props.asyncFailures, key: props.dataKey },
      },
    });

    this.bindTable('audit', props.auditTable, ['Scan'], { byDay: ['Query'] })
      .bindTable('control', props.controlTable, ['GetItem', 'BatchGetItem', 'UpdateItem'])
      // PutItem, BatchWriteItem: the one-off backfill of the cumulative counters (totals) — those
      // items only, so the sealer can never put a tile, the switch or the verified head whole.
      .bindTableItems(
        'control',
        props.controlTable,
        ['PutItem', 'BatchWriteItem'],
        Object.values(AUDIT_TOTAL_KEY_PREFIXES).map((p) => `${p}*`),
        'prefix',
      )
      .bindKey('signing', props.signingKey, ['Sign', 'GetPublicKey'])
      .bindBucket(AUDIT_CHECKPOINTS.env, props.checkpoints, {
        prefix: AUDIT_CHECKPOINTS.prefix,
        objects: ['PutObject', 'GetObject'],
        list: ['ListBucket'],
      })
      .bindKey('data', props.dataKey, ['GenerateDataKey', 'Decrypt'], { via: 's3', env: false });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Seal new audit records into a signed checkpoint',
      schedule: events.Schedule.rate(Duration.minutes(AUDIT_CHECKPOINTS.sealEveryMinutes)),
      targets: [
        new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(1) }),
      ],
    });
  }
}
