/**
 * Ops check function: an EventBridge schedule (every 15 minutes) → count the held extracts and
 * those past the protocol's 48-hour quality deadline, and the extracts received but still not
 * processed after a day → publish them as metrics, which the `held-extracts-overdue` and
 * `extracts-stalled` alarms watch. A thin adapter: the statuses come from the intake table
 * (Scan, its only right), the work is `heldReport` and `stalledReport`.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { DynamoIntakeStatusStore } from '../../shared/adapters/aws/dynamodb-records.js';
import { documentClient } from '../../shared/adapters/compose.js';
import { ENV, SERVICE_NAME, TABLES } from '../../shared/config/resources.js';
import type { IntakeStatusStore } from '../../shared/ports/index.js';
import { logger } from '../../shared/observability/index.js';
import { heldReport, stalledReport, type HeldReport, type StalledReport } from './held.js';
import { ENVIRONMENT_DIMENSION, OPS_METRICS } from './metrics.js';

export const metrics = new Metrics({
  namespace: OPS_METRICS.namespace,
  serviceName: SERVICE_NAME,
  defaultDimensions: { [ENVIRONMENT_DIMENSION]: process.env[ENV.environment] ?? 'unknown' },
});

/** One check with the given store: the report, logged (intake ids only) and published. */
export async function checkHeld(
  statuses: IntakeStatusStore,
  now: Date = new Date(),
): Promise<HeldReport & StalledReport> {
  const all = await statuses.list();
  const report = { ...heldReport(all, now), ...stalledReport(all, now) };
  metrics.addMetric(OPS_METRICS.held, MetricUnit.Count, report.held);
  metrics.addMetric(OPS_METRICS.overdue, MetricUnit.Count, report.overdue);
  metrics.addMetric(OPS_METRICS.oldestAge, MetricUnit.Seconds, report.oldestAgeSeconds);
  metrics.addMetric(OPS_METRICS.stalled, MetricUnit.Count, report.stalled);
  if (report.overdue > 0) {
    logger.warn('held extracts past the quality deadline', {
      held: report.held,
      overdue: report.overdue,
      overdueIntakeIds: report.overdueIntakeIds,
    });
  } else logger.info('held extracts checked', { held: report.held });
  if (report.stalled > 0) {
    logger.warn('extracts received but not processed', {
      stalled: report.stalled,
      stalledIntakeIds: report.stalledIntakeIds,
    });
  }
  return report;
}

const store = (): IntakeStatusStore =>
  new DynamoIntakeStatusStore(
    documentClient(),
    getStringFromEnv({ key: TABLES.intake.env, errorMessage: `${TABLES.intake.env} is not set` }),
  );

export const handler = middy(async () => checkHeld(store()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
