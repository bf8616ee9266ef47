/**
 * Audit sealer function: a scheduled event (EventBridge, every minute; a timer locally) → seal the
 * audit records that arrived since the last checkpoint into signed checkpoints, verify what was
 * sealed since the last verified head (advancing it when intact), and continue a requested full
 * re-verification while the invocation has time left (its progress is stored, the next run
 * resumes). `{"fullVerification":"start"}` requests one first. A thin adapter: the ports come
 * from the environment, the work is the `sealRun` and `verifyAfterSealing` use cases.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { auditSealPorts, type AuditSealPorts } from '../../shared/composition/compose-audit.js';
import { logger, metrics } from '../../shared/observability/index.js';
import { AUDIT_ALERTS_METRIC, ENVIRONMENT_DIMENSION } from '../../shared/config/ops-metrics.js';
import { ENV } from '../../shared/config/resources.js';
import { logSealing, logVerifying } from '../../shared/observability/audit-log.js';
import { sealRun, type SealRunResult } from '../../shared/use-cases/audit-seal.js';
import { verifyAfterSealing } from '../../shared/use-cases/audit-verify.js';

/** Time kept back from the invocation's limit when continuing the full verification. */
export const FULL_VERIFICATION_MARGIN_MS = 20_000;
/**
 * At most this long on the full verification per run, so a run ends before the next scheduled
 * one starts (two runs would redo the same batches, from the same stored progress).
 */
export const FULL_VERIFICATION_SLICE_MS = 40_000;

export type SealerEvent = Partial<ScheduledEvent> & { readonly fullVerification?: 'start' };

/** The handler over any source of ports (Lambda: the environment; tests may differ). */
export function createSealerHandler(getPorts: () => Promise<AuditSealPorts>) {
  const raw = async (event: SealerEvent, context: Context): Promise<SealRunResult> => {
    const ports = await getPorts();
    if (event?.fullVerification === 'start') await ports.fullVerification?.request(new Date().toISOString());
    const result = await sealRun(ports, new Date(), logSealing);
    metrics.addMetric('AuditRecordsSealed', MetricUnit.Count, result.records);
    metrics.addMetric('AuditCheckpointsWritten', MetricUnit.Count, result.checkpoints);
    if (result.tiles?.problem)
      logger.error('the Merkle tiles stop before a checkpoint', { problem: result.tiles.problem });
    if (result.alerts?.length) {
      const alert = metrics.singleMetric();
      alert.addDimension(ENVIRONMENT_DIMENSION, process.env[ENV.environment] ?? 'unknown');
      alert.addMetric(AUDIT_ALERTS_METRIC, MetricUnit.Count, result.alerts.length);
    }
    const started = Date.now();
    const left = () =>
      Date.now() - started < FULL_VERIFICATION_SLICE_MS &&
      (typeof context?.getRemainingTimeInMillis !== 'function' ||
        context.getRemainingTimeInMillis() > FULL_VERIFICATION_MARGIN_MS);
    try {
      await verifyAfterSealing(ports, () => new Date(), left, logVerifying);
    } catch (e) {
      // Sealing is done; verification is retried by the next run.
      logger.error('audit verification could not run', { error: (e as Error).name });
    }
    return result;
  };
  return middy(raw).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

export const handler = createSealerHandler(auditSealPorts);
