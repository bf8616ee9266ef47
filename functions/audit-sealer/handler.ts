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
import { sealRun, type SealObserver, type SealRunResult } from '../../shared/use-cases/audit-seal.js';
import { verifyAfterSealing, type VerifyObserver } from '../../shared/use-cases/audit-verify.js';

/** Time kept back from the invocation's limit when continuing the full verification. */
export const FULL_VERIFICATION_MARGIN_MS = 20_000;
/**
 * At most this long on the full verification per run, so a run ends before the next scheduled
 * one starts (two runs would redo the same batches, from the same stored progress).
 */
export const FULL_VERIFICATION_SLICE_MS = 40_000;

/** What a run says in the function's log (record ids and sequence numbers only). */
export const logSealing: SealObserver = {
  sealed: (c) =>
    logger.info('audit checkpoint sealed', { sequence: c.sequence, records: c.records, cutoff: c.cutoff }),
  refused: (recordIds) =>
    logger.warn('audit records with a non-canonical time were not sealed', { recordIds }),
  conflicts: (conflicts) => logger.info('another sealer wrote first', { conflicts }),
  // The per-day and cumulative counters (chart, alerts, totals, their backfill): the next run retries.
  statsFailed: (error) =>
    logger.error('audit counters not updated: the next run retries', {
      error: error instanceof Error ? error.name : 'unknown',
    }),
  // Institution codes, days, kinds and counts only: no person.
  alerts: (alerts) => logger.warn('audit alert thresholds crossed', { alerts }),
  rolledUp: (days) => logger.info('finished days bundled', { days }),
  rollUpFailed: (error) => logger.error('bundling finished days failed: retried next run', { error }),
  // The next run catches up from the tile pointer; proofs of newer records wait until then.
  tilesFailed: (e) => logger.error('the Merkle tiles could not be extended', { error: (e as Error).name }),
};

/** What verification says in the log: sequences, counts and problem kinds only. */
export const logVerifying: VerifyObserver = {
  verified: (v) =>
    v.ok
      ? logger.info('audit trail verified up to the newest head', { head: v.head })
      : logger.error('audit verification found problems: the verified head stays', {
          head: v.head,
          problems: v.problems,
          firstKind: v.firstKind,
        }),
  fullVerification: (step) =>
    step.status === 'finished'
      ? logger.info('full audit verification finished', {
          ok: step.result.ok,
          checkpoints: step.result.checkedCheckpoints,
          records: step.result.checkedRecords,
          problems: step.result.problemCount,
        })
      : step.status === 'running'
        ? logger.info('full audit verification continues next run', {
            nextSequence: step.nextSequence,
            untilSequence: step.untilSequence,
          })
        : undefined,
};

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
