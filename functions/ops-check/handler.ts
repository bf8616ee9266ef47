/**
 * Ops check (every 15 minutes): held extracts past the 48-hour deadline and extracts stalled for a
 * day, as metrics the `held-extracts-overdue` and `extracts-stalled` alarms watch (`opsReport`).
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

/** One check: the report, logged (intake ids only) and published. */
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
const run = async () => checkHeld(statusStore());
export const handler = middy(run).use(injectLambdaContext(logger)).use(logMetrics(metrics));
