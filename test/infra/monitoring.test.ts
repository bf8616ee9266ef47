/**
 * Operations: the alarms (DLQ not empty, function errors and throttles, audit sealing lag, held
 * extracts past the 48-hour deadline, API 5xx) with the metric each watches and what a missing
 * datapoint means; the encrypted alarm topic and who may publish to it; the e-mail subscription;
 * the dashboard; and the ops check that publishes the held-extract metric — its logic, and that
 * the metric it writes is the one the alarm reads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkHeld, metrics as opsMetrics } from '../../functions/ops-check/handler.js';
import { heldReport, stalledReport } from '../../shared/use-cases/ops-report.js';
import { AUDIT_ALERTS_METRIC, ENVIRONMENT_DIMENSION, OPS_METRICS } from '../../shared/config/ops-metrics.js';
import { MAX_SEALING_LAG } from '../../infra/constructs/monitoring.js';
import { OPS_CHECK_EVERY } from '../../infra/constructs/ops-check.js';
import { FUNCTION_NAMES } from '../../infra/naming.js';
import { LIMITS, SERVICE_NAME } from '../../shared/config/resources.js';
import type { IntakeStatus, IntakeStatusStore } from '../../shared/ports/index.js';
import { arnOf, contains, logicalId, ref, synthesize, view } from './stack-fixture.js';

const { stack, template } = synthesize();
const { resources, propsOf, ofType } = view(template);

interface AlarmProps {
  AlarmName: string;
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  Period?: number;
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  Metrics?: {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] }; Period: number; Stat: string };
  }[];
}
const alarms = new Map(
  ofType('AWS::CloudWatch::Alarm').map(([, r]) => {
    const p = r.Properties as unknown as AlarmProps;
    return [p.AlarmName, p];
  }),
);
const alarm = (name: string) => {
  const a = alarms.get(`${SERVICE_NAME}-dev-${name}`);
  assert.ok(a, `no alarm ${name}; have ${[...alarms.keys()].join(', ')}`);
  return a;
};
const topic = logicalId(stack.monitoring.topic);

describe('alarms', () => {
  test('every alarm notifies the alarm topic when it fires and when it recovers', () => {
    assert.equal(alarms.size, 4 + 2 * FUNCTION_NAMES.length + 6);
    for (const [name, a] of alarms) {
      assert.deepEqual(a.AlarmActions, [ref(topic)], name);
      assert.deepEqual(a.OKActions, [ref(topic)], name);
      assert.match(name, /^ruling-intake-dev-/);
    }
  });

  test('unknown uploads: one object the intake refused as UNKNOWN_UPLOAD fires (the metric the intake publishes)', () => {
    const a = alarm('unknown-uploads');
    assert.equal(a.Namespace, 'RulingIntake');
    assert.equal(a.MetricName, 'UnknownUploads');
    // With the environment: two environments in one account never mix.
    assert.deepEqual(a.Dimensions, [
      { Name: 'environment', Value: 'dev' },
      { Name: 'service', Value: SERVICE_NAME },
    ]);
    assert.equal(a.Threshold, 1);
  });

  test('dead letters: a message in the intake DLQ, the webhook DLQ or the async-failure queue fires within a minute', () => {
    for (const [name, queue] of [
      ['intake-dead-letters', stack.storage.deadLetterQueue],
      ['webhook-dead-letters', stack.storage.webhookDeadLetters],
      ['async-failures', stack.storage.asyncFailures],
    ] as const) {
      const a = alarm(name);
      assert.equal(a.Namespace, 'AWS/SQS');
      assert.equal(a.MetricName, 'ApproximateNumberOfMessagesVisible');
      assert.deepEqual(a.Dimensions, [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } },
      ]);
      assert.equal(a.Period, 60);
      assert.equal(a.Threshold, 1);
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    }
  });

  test('each function has an errors and a throttles alarm on its own metrics', () => {
    for (const fn of stack.functions) {
      for (const [suffix, metric] of [
        ['errors', 'Errors'],
        ['throttles', 'Throttles'],
      ] as const) {
        const a = alarm(`${fn.name}-${suffix}`);
        assert.equal(a.Namespace, 'AWS/Lambda');
        assert.equal(a.MetricName, metric);
        assert.deepEqual(a.Dimensions, [{ Name: 'FunctionName', Value: ref(logicalId(fn.function)) }]);
        assert.equal(a.Threshold, 1);
      }
    }
    assert.deepEqual(stack.functions.map((f) => f.name).sort(), [...FUNCTION_NAMES].sort());
  });

  test('audit sealing lag: no successful sealer run (invocations − errors) in each of 5 consecutive minutes, a minute without a run counting as breaching', () => {
    const a = alarm('audit-sealing-lag') as AlarmProps & { DatapointsToAlarm: number };
    assert.equal(MAX_SEALING_LAG.toMinutes(), 5);
    assert.equal(a.ComparisonOperator, 'LessThanThreshold');
    assert.equal(a.Threshold, 1);
    assert.equal(a.TreatMissingData, 'breaching');
    assert.equal(a.EvaluationPeriods, 5);
    assert.equal(a.DatapointsToAlarm, 5);
    const expression = a.Metrics!.find((m) => m.Expression)!;
    assert.equal(expression.Expression, 'runs - FILL(errors, 0)');
    const sealer = ref(logicalId(stack.sealer.function));
    const stats = a
      .Metrics!.filter((m) => m.MetricStat)
      .map((m) => [m.Id, m.MetricStat!.Metric.MetricName, m.MetricStat!.Period, m.MetricStat!.Stat]);
    assert.deepEqual(stats.sort(), [
      ['errors', 'Errors', 60, 'Sum'],
      ['runs', 'Invocations', 60, 'Sum'],
    ]);
    for (const m of a.Metrics!.filter((x) => x.MetricStat)) {
      assert.deepEqual(m.MetricStat!.Metric.Dimensions, [{ Name: 'FunctionName', Value: sealer }]);
    }
  });

  test(`held extracts: the ops check's ${OPS_METRICS.overdue} ≥ 1 fires and holds its state between checks; a check silent for an hour fires on its own`, () => {
    const a = alarm('held-extracts-overdue');
    assert.equal(a.Namespace, OPS_METRICS.namespace);
    assert.equal(a.MetricName, OPS_METRICS.overdue);
    assert.deepEqual(
      [...a.Dimensions!].sort((x, y) => x.Name.localeCompare(y.Name)),
      [
        { Name: ENVIRONMENT_DIMENSION, Value: 'dev' },
        { Name: 'service', Value: SERVICE_NAME },
      ],
    );
    assert.equal(a.Statistic, 'Maximum');
    assert.equal(a.Period, OPS_CHECK_EVERY.toSeconds());
    assert.equal(a.Threshold, 1);
    assert.equal(a.TreatMissingData, 'ignore');
    const stalled = alarm('extracts-stalled');
    assert.equal(stalled.MetricName, OPS_METRICS.stalled);
    assert.deepEqual(stalled.Dimensions, a.Dimensions);
    assert.equal(stalled.Threshold, 1);
    assert.equal(stalled.Period, OPS_CHECK_EVERY.toSeconds());
    assert.equal(stalled.TreatMissingData, 'ignore');
    const silent = alarm('ops-check-silent') as AlarmProps & { DatapointsToAlarm: number };
    assert.equal(silent.MetricName, 'Invocations');
    assert.deepEqual(silent.Dimensions, [
      { Name: 'FunctionName', Value: ref(logicalId(stack.opsCheck.function)) },
    ]);
    assert.equal(silent.ComparisonOperator, 'LessThanThreshold');
    assert.equal(silent.TreatMissingData, 'breaching');
    assert.equal((silent.Period ?? 0) * silent.EvaluationPeriods, 3600);
    assert.equal(silent.DatapointsToAlarm, silent.EvaluationPeriods);
  });

  test(`auditors' alerts: the sealer's ${AUDIT_ALERTS_METRIC} (a threshold crossed) ≥ 1 in 5 minutes, per environment`, () => {
    const a = alarm('audit-alerts');
    assert.equal(a.Namespace, OPS_METRICS.namespace);
    assert.equal(a.MetricName, AUDIT_ALERTS_METRIC);
    assert.deepEqual(
      [...a.Dimensions!].sort((x, y) => x.Name.localeCompare(y.Name)),
      [
        { Name: ENVIRONMENT_DIMENSION, Value: 'dev' },
        { Name: 'service', Value: SERVICE_NAME },
      ],
    );
    assert.equal(a.Statistic, 'Sum');
    assert.equal(a.Period, 300);
    assert.equal(a.Threshold, 1);
    assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.equal(a.TreatMissingData, 'notBreaching');
    // The thresholds reach the sealer (which publishes) and the auditor API (which lists), from the config.
    for (const fn of [stack.sealer, stack.apiFunctions.byRouteFunction.audit])
      assert.equal(fn.environmentVariables['ALERT_MAX_SELF_DECLARED_ENROLMENTS'], '20');
  });

  test('the API: any 5xx (including 503 AUDIT_UNAVAILABLE) in 5 minutes', () => {
    const a = alarm('api-server-errors');
    assert.equal(a.Namespace, 'AWS/ApiGateway');
    assert.equal(a.MetricName, '5xx');
    assert.deepEqual(a.Dimensions, [{ Name: 'ApiId', Value: ref(logicalId(stack.apiEndpoint.httpApi)) }]);
  });
});

describe('alarm topic', () => {
  test('is encrypted with the alarm key, refuses publishing without TLS, and takes only this environment’s alarms', () => {
    const p = propsOf(topic);
    assert.deepEqual(p['KmsMasterKeyId'], arnOf(logicalId(stack.keys.alarms)));
    const [, policy] = ofType('AWS::SNS::TopicPolicy').find(([, r]) =>
      contains(r.Properties['Topics'], ref(topic)),
    )!;
    const statements = (policy.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] })
      .Statement;
    assert.ok(
      statements.some(
        (s) => s['Effect'] === 'Deny' && contains(s['Condition'], { 'aws:SecureTransport': 'false' }),
      ),
    );
    const cloudwatch = statements.find((s) =>
      contains(s['Principal'], { Service: 'cloudwatch.amazonaws.com' }),
    )!;
    assert.equal(cloudwatch['Action'], 'sns:Publish');
    assert.ok(contains(cloudwatch['Condition'], ':alarm:ruling-intake-dev-*'));
  });

  test('the alarm key lets CloudWatch encrypt (and nothing else of the service uses that key)', () => {
    const key = propsOf(logicalId(stack.keys.alarms));
    assert.equal(key['EnableKeyRotation'], true);
    const statements = (key['KeyPolicy'] as { Statement: Record<string, unknown>[] }).Statement;
    assert.ok(statements.some((s) => contains(s['Principal'], { Service: 'cloudwatch.amazonaws.com' })));
    const users = Object.entries(resources).filter(
      ([id, r]) =>
        id !== logicalId(stack.keys.alarms) &&
        r.Type !== 'AWS::KMS::Alias' &&
        contains(r.Properties, arnOf(logicalId(stack.keys.alarms))),
    );
    assert.deepEqual(
      users.map(([id]) => id),
      [topic],
    );
  });

  test('alarmEmail subscribes that address; without it there is no subscription', () => {
    assert.equal(ofType('AWS::SNS::Subscription').length, 0);
    const other = synthesize('dev', { alarmEmail: 'ops@ahovoks.example' });
    const subs = view(other.template).ofType('AWS::SNS::Subscription');
    assert.equal(subs.length, 1);
    assert.equal(subs[0]![1].Properties['Protocol'], 'email');
    assert.equal(subs[0]![1].Properties['Endpoint'], 'ops@ahovoks.example');
  });
});

describe('dashboard', () => {
  test('shows the alarms, the queues, the held extracts, the sealer, every function and the API', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0]!;
    assert.equal(dashboard.Properties['DashboardName'], 'ruling-intake-dev');
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);
    for (const text of [
      'Alarms',
      'Intake queue',
      'Held extracts',
      'Audit sealer',
      'Invocations',
      'API requests',
      OPS_METRICS.overdue,
      OPS_METRICS.stalled,
    ]) {
      assert.ok(body.includes(text), text);
    }
  });

  test("graphs the auditors' alerts as their alarm reads them: the environment's AuditAlerts sum, the alarm's threshold", () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0]!;
    const raw = dashboard.Properties['DashboardBody'] as string | { 'Fn::Join': [string, unknown[]] };
    const text =
      typeof raw === 'string'
        ? raw
        : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    type Widget = {
      properties: {
        title?: string;
        metrics?: unknown[][];
        annotations?: { horizontal?: { value: number; label: string }[] };
      };
    };
    const widgets = (JSON.parse(text) as { widgets: Widget[] }).widgets;
    const widget = widgets.find((w) => w.properties.title?.startsWith("Auditors' alerts"));
    assert.ok(widget, "an Auditors' alerts widget");
    const [alarmName, alarm] = ofType('AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties['AlarmName'] === 'ruling-intake-dev-audit-alerts',
    )!;
    assert.ok(alarmName);
    const dimensions = alarm.Properties['Dimensions'] as { Name: string; Value: string }[];
    // The same metric as the alarm's, with the same dimension (another environment's would show nothing).
    assert.deepEqual(widget.properties.metrics?.[0]?.slice(0, 4), [
      alarm.Properties['Namespace'],
      AUDIT_ALERTS_METRIC,
      ENVIRONMENT_DIMENSION,
      dimensions.find((d) => d.Name === ENVIRONMENT_DIMENSION)?.Value,
    ]);
    assert.equal(alarm.Properties['Threshold'], 1);
    assert.deepEqual(
      widget.properties.annotations?.horizontal?.map((a) => a.value),
      [alarm.Properties['Threshold']],
    );
  });
});

describe('ops check', () => {
  const hours = (h: number) => new Date(Date.parse('2026-03-10T12:00:00Z') - h * 3_600_000).toISOString();
  const status = (intakeId: string, s: IntakeStatus['status'], receivedHoursAgo: number) => ({
    intakeId,
    status: s,
    receivedAt: hours(receivedHoursAgo),
  });
  const now = new Date('2026-03-10T12:00:00Z');

  test(`counts held extracts and those received more than ${LIMITS.heldDeadlineHours} hours ago, oldest first`, () => {
    const report = heldReport(
      [
        status('a', 'HELD', 47.9),
        status('b', 'HELD', 48.5),
        status('c', 'APPLIED', 100),
        status('d', 'HELD', 72),
        status('e', 'REJECTED', 90),
      ],
      now,
    );
    assert.deepEqual(report, {
      held: 3,
      overdue: 2,
      oldestAgeSeconds: 72 * 3600,
      overdueIntakeIds: ['d', 'b'],
    });
    assert.deepEqual(heldReport([status('c', 'APPLIED', 100)], now), {
      held: 0,
      overdue: 0,
      oldestAgeSeconds: 0,
      overdueIntakeIds: [],
    });
  });

  test(`counts extracts still RECEIVED more than ${LIMITS.stalledAfterHours} hours after their receipt, oldest first; other states never`, () => {
    const after = LIMITS.stalledAfterHours;
    const report = stalledReport(
      [
        status('a', 'RECEIVED', after - 0.1),
        status('b', 'RECEIVED', after + 1),
        status('c', 'RECEIVED', 14 * 24),
        status('d', 'AWAITING_UPLOAD', 100),
        status('e', 'HELD', 100),
        status('f', 'APPLIED', 100),
        status('g', 'REJECTED', 100),
        { intakeId: 'h', status: 'RECEIVED', receivedAt: 'yesterday' },
      ],
      now,
    );
    assert.deepEqual(report, { stalled: 3, stalledIntakeIds: ['c', 'b', 'h'] });
    assert.deepEqual(stalledReport([], now), { stalled: 0, stalledIntakeIds: [] });
    // SQS keeps a message 14 days: the limit leaves most of them to act.
    assert.ok(after <= 48, 'stalled extracts must be noticed long before SQS forgets their messages');
  });

  test('an unreadable receipt time counts as overdue (the check errs towards telling an operator)', () => {
    assert.equal(heldReport([{ intakeId: 'x', status: 'HELD', receivedAt: 'yesterday' }], now).overdue, 1);
  });

  test('publishes the metrics the alarm and the dashboard read, with the service and environment dimensions', async () => {
    const open = [status('b', 'HELD', 49) as IntakeStatus, status('s', 'RECEIVED', 30) as IntakeStatus];
    const store: IntakeStatusStore = {
      list: async () => assert.fail('the ops check reads only the open-state index'),
      page: async (selection) => ({
        items: open.filter((s) => 'state' in selection && s.status === selection.state),
      }),
      get: async () => undefined,
      received: async () => undefined,
      bind: async () => true,
      put: async () => undefined,
    };
    const report = await checkHeld(store, now);
    assert.equal(report.overdue, 1);
    assert.equal(report.stalled, 1);
    const emf = opsMetrics.serializeMetrics() as {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    } & Record<string, unknown>;
    opsMetrics.clearMetrics();
    const directive = emf._aws.CloudWatchMetrics[0]!;
    assert.equal(directive.Namespace, OPS_METRICS.namespace);
    assert.deepEqual(
      directive.Metrics.map((m) => m.Name).sort(),
      [OPS_METRICS.held, OPS_METRICS.overdue, OPS_METRICS.oldestAge, OPS_METRICS.stalled].sort(),
    );
    assert.deepEqual([...directive.Dimensions[0]!].sort(), [ENVIRONMENT_DIMENSION, 'service'].sort());
    assert.equal(emf[OPS_METRICS.overdue], 1);
    assert.equal(emf[OPS_METRICS.stalled], 1);
  });

  test('runs every 15 minutes with Scan on the intake table as its only data right', () => {
    const rule = ofType('AWS::Events::Rule').find(([, r]) =>
      contains(r.Properties['Targets'], arnOf(logicalId(stack.opsCheck.function))),
    )!;
    assert.equal(rule[1].Properties['ScheduleExpression'], 'rate(15 minutes)');
  });
});
