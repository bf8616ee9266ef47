/**
 * Operations (stateless): CloudWatch alarms to an encrypted SNS topic (e-mail from the context
 * `alarmEmail`), and a dashboard. Every alarm is named `ruling-intake-<env>-<alarm>`; the topic
 * policy lets only those alarms publish, and the alarm key (stateful) lets CloudWatch encrypt.
 *
 * | alarm                      | metric                                                    | fires when                     |
 * | -------------------------- | --------------------------------------------------------- | ------------------------------ |
 * | `intake-dead-letters`      | AWS/SQS ApproximateNumberOfMessagesVisible, intake DLQ    | ≥ 1 message (1 min)            |
 * | `async-failures`           | the same, async-failure queue (sealer, ops check)         | ≥ 1 message (1 min)            |
 * | `webhook-dead-letters`     | the same, webhook DLQ (change-feed notifications)         | ≥ 1 message (1 min)            |
 * | `<function>-errors`        | AWS/Lambda Errors, each function                          | ≥ 1 in 5 min                   |
 * | `<function>-throttles`     | AWS/Lambda Throttles, each function                       | ≥ 1 in 5 min                   |
 * | `audit-sealing-lag`        | sealer Invocations − Errors (successful runs), per minute | none in 5 consecutive minutes  |
 * | `held-extracts-overdue`    | RulingIntake HeldExtractsOverdue (the ops check)           | ≥ 1 at the last check          |
 * | `extracts-stalled`         | RulingIntake StalledExtracts (the ops check)               | ≥ 1 at the last check          |
 * | `ops-check-silent`         | ops check Invocations, per 15 minutes                     | none for an hour               |
 * | `audit-alerts`             | RulingIntake AuditAlerts (the sealer)                     | ≥ 1 threshold crossed in 5 min |
 * | `api-server-errors`        | AWS/ApiGateway 5xx of the HTTP API                        | ≥ 1 in 5 min                   |
 *
 * Audit sealing lag: the sealer runs every minute and, when it succeeds, seals every record older
 * than its 5-second grace period (up to 500,000 records a run, far beyond this service's volume).
 * So "records waiting more than 5 minutes" happens exactly when no run has succeeded for 5 minutes
 * — the schedule stopped, runs fail, or runs are throttled — which is what this alarm measures,
 * from Lambda's own metrics: 5 of 5 one-minute datapoints without a successful run, a minute with
 * no run at all counting as breaching. (5 of 5, not one 5-minute datapoint, so a period that has
 * only just begun can never fire it.)
 *
 * Held extracts: "held for more than 48 hours" is a state, so the ops check measures it every
 * 15 minutes; the overdue alarm keeps its state between checks (missing data: ignore) and a
 * separate alarm reports a check that stopped running. The same check counts extracts still
 * `RECEIVED` a day after their receipt (intake paused, a dead letter not redriven, a lost message):
 * SQS keeps a message 14 days, so the alarm leaves 13 days to act before an extract could be
 * forgotten.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  AUDIT_ALERTS_METRIC,
  ENVIRONMENT_DIMENSION,
  OPS_METRICS,
  UNKNOWN_UPLOADS_METRIC,
} from '../../shared/config/ops-metrics.js';
import { AUDIT_CHECKPOINTS, LIMITS, SERVICE_NAME, WEBHOOKS } from '../../shared/config/resources.js';
import { alarmArnPattern, alarmName } from '../naming.js';
import type { AppFunction } from './app-function.js';
import { OPS_CHECK_EVERY } from './ops-check.js';

/** Sealing lag the alarm tolerates (protocol: the trail is sealed within minutes). */
export const MAX_SEALING_LAG = Duration.minutes(5);

export interface MonitoringProps {
  readonly environment: string;
  /** Encrypts the alarm topic. */
  readonly alarmKey: kms.IKey;
  readonly alarmEmail?: string;
  /** Every function of the service (errors and throttles are alarmed for each). */
  readonly functions: readonly AppFunction[];
  readonly sealer: AppFunction;
  readonly opsCheck: AppFunction;
  readonly intakeQueue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly asyncFailures: sqs.IQueue;
  /** Change-feed notifications no receiver accepted after `WEBHOOKS.maxReceives` attempts. */
  readonly webhookDeadLetters: sqs.IQueue;
  readonly httpApi: IHttpApi;
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  /** Alarm short name (`intake-errors`) → alarm. */
  readonly alarms = new Map<string, cw.Alarm>();
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { environment } = props;
    const stack = Stack.of(this);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${SERVICE_NAME} ${environment} alarms`,
      masterKey: props.alarmKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisEnvironmentsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': alarmArnPattern(this, environment) },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (
      name: string,
      description: string,
      metric: cw.IMetric,
      options: {
        threshold: number;
        comparison?: cw.ComparisonOperator;
        missing?: cw.TreatMissingData;
        /** M of N: `datapoints` breaching among the last `periods` (default 1 of 1). */
        periods?: number;
        datapoints?: number;
      },
    ): cw.Alarm => {
      const a = new cw.Alarm(
        this,
        `${name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}Alarm`,
        {
          alarmName: alarmName(environment, name),
          alarmDescription: description,
          metric,
          threshold: options.threshold,
          comparisonOperator: options.comparison ?? cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: options.periods ?? 1,
          datapointsToAlarm: options.datapoints ?? options.periods ?? 1,
          treatMissingData: options.missing ?? cw.TreatMissingData.NOT_BREACHING,
        },
      );
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.set(name, a);
      return a;
    };

    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    alarm(
      'intake-dead-letters',
      `An extract failed ${LIMITS.maxReceives} times and is in the intake dead-letter queue. Fix the cause, then redrive (processing is idempotent).`,
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: 'Maximum',
      }),
      { threshold: 1 },
    );
    alarm(
      'unknown-uploads',
      'An object appeared under incoming/ for which the upload API issued no upload (UNKNOWN_UPLOAD): someone wrote to the bucket past the API. It was not processed and is kept; find it with `ruling-intake status` (uploader "unknown") and the S3 access logs.',
      this.opsMetric(UNKNOWN_UPLOADS_METRIC, environment, 'Sum', fiveMinutes),
      { threshold: 1 },
    );
    alarm(
      'webhook-dead-letters',
      `A change-feed notification was refused or unanswered ${WEBHOOKS.maxReceives} times and is in the webhook dead-letter queue. The feed still holds the change (the institution reads it with GET /v1/changes); fix or ask after the receiver, then redrive.`,
      props.webhookDeadLetters.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: 'Maximum',
      }),
      { threshold: 1 },
    );
    alarm(
      'async-failures',
      'A scheduled run (audit sealer or ops check) failed after its retries; the event is in the async-failure queue.',
      props.asyncFailures.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
      { threshold: 1 },
    );
    for (const fn of props.functions) {
      alarm(
        `${fn.name}-errors`,
        `The ${fn.name} function failed (see its log group ${fn.logGroup.logGroupName}).`,
        fn.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        { threshold: 1 },
      );
      alarm(
        `${fn.name}-throttles`,
        `The ${fn.name} function was throttled (concurrency exhausted).`,
        fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        { threshold: 1 },
      );
    }

    const sealerRuns = props.sealer.function.metricInvocations({ period: minute, statistic: 'Sum' });
    const sealerErrors = props.sealer.function.metricErrors({ period: minute, statistic: 'Sum' });
    alarm(
      'audit-sealing-lag',
      `No successful audit sealer run for ${MAX_SEALING_LAG.toMinutes()} minutes (it runs every ${AUDIT_CHECKPOINTS.sealEveryMinutes} minute): new audit records wait unsealed.`,
      new cw.MathExpression({
        expression: 'runs - FILL(errors, 0)',
        usingMetrics: { runs: sealerRuns, errors: sealerErrors },
        period: minute,
        label: 'successful sealer runs',
      }),
      {
        threshold: 1,
        comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: cw.TreatMissingData.BREACHING,
        periods: MAX_SEALING_LAG.toMinutes(),
      },
    );

    alarm(
      'held-extracts-overdue',
      `An extract has been held for review longer than the ${LIMITS.heldDeadlineHours}-hour quality deadline. See \`ruling-intake held list\`; approve or reject it.`,
      this.opsMetric(OPS_METRICS.overdue, environment, 'Maximum', OPS_CHECK_EVERY),
      { threshold: 1, missing: cw.TreatMissingData.IGNORE },
    );
    alarm(
      'extracts-stalled',
      `An extract received more than ${LIMITS.stalledAfterHours} hours ago is still not processed (intake paused, a message in the dead-letter queue, or a lost message). Resume intake or redrive the dead-letter queue; see the README, Operations. SQS keeps a message 14 days.`,
      this.opsMetric(OPS_METRICS.stalled, environment, 'Maximum', OPS_CHECK_EVERY),
      { threshold: 1, missing: cw.TreatMissingData.IGNORE },
    );
    alarm(
      'audit-alerts',
      "Counting the sealed audit log crossed an auditors' alert threshold: an institution declared many enrolments itself, read many students not enrolled through DHO, or was denied often in one day. See `ruling-intake audit alerts` (or the auditor console, Meldingen) and the access log of that institution.",
      this.opsMetric(AUDIT_ALERTS_METRIC, environment, 'Sum', fiveMinutes),
      { threshold: 1 },
    );
    alarm(
      'ops-check-silent',
      'The ops check has not run for an hour: held extracts are not being measured against their deadline.',
      props.opsCheck.function.metricInvocations({ period: OPS_CHECK_EVERY, statistic: 'Sum' }),
      {
        threshold: 1,
        comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: cw.TreatMissingData.BREACHING,
        periods: Duration.hours(1).toMinutes() / OPS_CHECK_EVERY.toMinutes(),
      },
    );

    alarm(
      'api-server-errors',
      'The API answered 5xx (including 503 AUDIT_UNAVAILABLE when the audit log could not be written).',
      props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      { threshold: 1 },
    );

    this.dashboard = this.buildDashboard(props);
  }

  private opsMetric(name: string, environment: string, statistic: string, period: Duration): cw.Metric {
    return new cw.Metric({
      namespace: OPS_METRICS.namespace,
      metricName: name,
      dimensionsMap: { service: SERVICE_NAME, [ENVIRONMENT_DIMENSION]: environment },
      statistic,
      period,
    });
  }

  private buildDashboard(props: MonitoringProps): cw.Dashboard {
    const { environment } = props;
    const period = Duration.minutes(5);
    const perFunction = (label: string, metric: (fn: AppFunction) => cw.IMetric) =>
      new cw.GraphWidget({ title: label, left: props.functions.map(metric), width: 8 });
    const dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `${SERVICE_NAME}-${environment}`,
      defaultInterval: Duration.days(1),
    });
    dashboard.addWidgets(
      new cw.TextWidget({
        markdown: `# Ruling intake (${environment})\nAlarms go to the topic \`${SERVICE_NAME} ${environment} alarms\`. Pause intake with \`PUT /v1/admin/intake\`.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cw.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms.values()], width: 24, height: 4 }),
    );
    dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Intake queue',
        left: [
          props.intakeQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'waiting' }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'dead letters' }),
          props.asyncFailures.metricApproximateNumberOfMessagesVisible({ period, label: 'async failures' }),
        ],
        right: [props.intakeQueue.metricApproximateAgeOfOldestMessage({ period, label: 'oldest (s)' })],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'Held extracts',
        left: [
          this.opsMetric(OPS_METRICS.held, environment, 'Maximum', period),
          this.opsMetric(OPS_METRICS.overdue, environment, 'Maximum', period),
          this.opsMetric(OPS_METRICS.stalled, environment, 'Maximum', period),
        ],
        right: [this.opsMetric(OPS_METRICS.oldestAge, environment, 'Maximum', period)],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'Audit sealer',
        left: [
          props.sealer.function.metricInvocations({ period, statistic: 'Sum' }),
          props.sealer.function.metricErrors({ period, statistic: 'Sum' }),
        ],
        right: [props.sealer.function.metricDuration({ period, statistic: 'p99' })],
        width: 8,
      }),
    );
    // The auditors' alerts (issue 16): thresholds crossed per 5 minutes, as the audit-alerts alarm
    // reads them (≥ 1 fires it); which institution and day: `ruling-intake audit alerts`.
    dashboard.addWidgets(
      new cw.GraphWidget({
        title: "Auditors' alerts (thresholds crossed)",
        left: [
          this.opsMetric(AUDIT_ALERTS_METRIC, environment, 'Sum', period).with({
            label: 'thresholds crossed',
          }),
        ],
        leftAnnotations: [{ value: 1, label: 'audit-alerts alarm', color: cw.Color.RED }],
        leftYAxis: { min: 0 },
        width: 24,
      }),
    );
    dashboard.addWidgets(
      perFunction('Invocations', (fn) =>
        fn.function.metricInvocations({ period, statistic: 'Sum', label: fn.name }),
      ),
      perFunction('Errors', (fn) => fn.function.metricErrors({ period, statistic: 'Sum', label: fn.name })),
      perFunction('Duration p99 (ms)', (fn) =>
        fn.function.metricDuration({ period, statistic: 'p99', label: fn.name }),
      ),
    );
    dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'API requests',
        left: [
          props.httpApi.metricCount({ period, statistic: 'Sum', label: 'requests' }),
          props.httpApi.metricClientError({ period, statistic: 'Sum', label: '4xx' }),
          props.httpApi.metricServerError({ period, statistic: 'Sum', label: '5xx' }),
        ],
        width: 12,
      }),
      new cw.GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.httpApi.metricLatency({ period, statistic: 'p50', label: 'p50' }),
          props.httpApi.metricLatency({ period, statistic: 'p99', label: 'p99' }),
        ],
        width: 12,
      }),
    );
    return dashboard;
  }
}
