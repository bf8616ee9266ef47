/**
 * The ops check (stateless): every 15 minutes an EventBridge schedule runs
 * functions/ops-check/handler.ts, which scans the intake table and publishes how many extracts are
 * held and how many are past the protocol's 48-hour quality deadline (`HeldExtractsOverdue`).
 *
 * Why a scheduled scan: "held for more than 48 hours" is a state, not an event — nothing happens
 * at hour 48 that a metric could count. A scan of the intake table (a few thousand small items a
 * year) every 15 minutes costs cents a month; the alarm treats a missing datapoint as breaching,
 * so a check that stops running is itself reported.
 *
 * Rights: Scan on the intake table, nothing else. Reserved concurrency 1; a failed run goes to
 * the async-failure queue after one retry.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction } from './app-function.js';

export const OPS_CHECK_ENTRY = join(PROJECT_ROOT, 'functions/ops-check/handler.ts');

/** How often the held extracts are checked. */
export const OPS_CHECK_EVERY = Duration.minutes(15);

export interface OpsCheckProps {
  readonly environment: string;
  readonly intakeTable: dynamodb.ITable;
  readonly dataKey: kms.IKey;
  readonly asyncFailures: sqs.IQueue;
  readonly logRetention?: logs.RetentionDays;
  readonly reserveConcurrency?: boolean;
}

export class OpsCheck extends AppFunction {
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: OpsCheckProps) {
    super(scope, id, {
      environment: props.environment,
      name: 'ops-check',
      entry: OPS_CHECK_ENTRY,
      description: 'Counts held extracts past the 48-hour quality deadline',
      logKey: props.dataKey,
      memorySize: 512,
      timeout: Duration.seconds(60),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      ...(props.reserveConcurrency === true ? { reservedConcurrency: 1 } : {}),
      async: {
        retryAttempts: 1,
        maxEventAge: OPS_CHECK_EVERY,
        onFailure: { queue: props.asyncFailures, key: props.dataKey },
      },
    });
    // Only the open items, through the sparse index: never the finished history.
    this.bindTable('intake', props.intakeTable, [], { byOpenState: ['Query'] });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Count held extracts past the quality deadline',
      schedule: events.Schedule.rate(OPS_CHECK_EVERY),
      targets: [
        new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: OPS_CHECK_EVERY }),
      ],
    });
  }
}
