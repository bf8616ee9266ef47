/**
 * Ops check function: an EventBridge schedule (every 15 minutes) → count the held extracts and
 * those past the protocol's 48-hour quality deadline, and the extracts received but still not
 * processed after a day → publish them as metrics, which the `held-extracts-overdue` and
 * `extracts-stalled` alarms watch. A thin adapter: the work is the `opsReport` use case.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { statusStore } from '../../shared/composition/compose.js';
import { ENVIRONMENT_DIMENSION, OPS_METRICS } from '../../shared/config/ops-metrics.js';
import { ENV, SERVICE_NAME } from '../../shared/config/resources.js';
import { logger } from '../../shared/observability/index.js';
import type { IntakeStatusStore } from '../../shared/ports/index.js';
import { opsReport } from '../../shared/use-cases/ops-report.js';

export const metrics = new Metrics({
  namespace: OPS_METRICS.namespace,
  serviceName: SERVICE_NAME,
  defaultDimensions: { [ENVIRONMENT_DIMENSION]: process.env[ENV.environment] ?? 'unknown' },
});

/** One check with the given store: the report, logged (intake ids only) and published. */
export async function checkHeld(statuses: IntakeStatusStore, now: Date = new Date()) {
  const r = await opsReport(statuses, now);
  for (const [name, unit, value] of [
    [OPS_METRICS.held, MetricUnit.Count, r.held],
    [OPS_METRICS.overdue, MetricUnit.Count, r.overdue],
    [OPS_METRICS.oldestAge, MetricUnit.Seconds, r.oldestAgeSeconds],
    [OPS_METRICS.stalled, MetricUnit.Count, r.stalled],
  ] as const)
    metrics.addMetric(name, unit, value);
  const { held, overdue, overdueIntakeIds, stalled, stalledIntakeIds } = r;
  if (overdue > 0)
    logger.warn('held extracts past the quality deadline', { held, overdue, overdueIntakeIds });
  else logger.info('held extracts checked', { held });
  if (stalled > 0) logger.warn('extracts received but not processed', { stalled, stalledIntakeIds });
  return r;
}

export const handler = middy(async () => checkHeld(statusStore()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
