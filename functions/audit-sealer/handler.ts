/**
 * Audit sealer function: a scheduled event (EventBridge, every minute; a timer locally) → seal the
 * audit records that arrived since the last checkpoint into signed checkpoints. A thin adapter:
 * the ports come from the environment, the work is the `sealRun` use case.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { auditSealPorts, type AuditSealPorts } from '../../shared/composition/compose-audit.js';
import { logger, metrics } from '../../shared/observability/index.js';
import { sealRun, type SealObserver, type SealRunResult } from '../../shared/use-cases/audit-seal.js';

/** What a run says in the function's log (record ids and sequence numbers only). */
export const logSealing: SealObserver = {
  sealed: (c) =>
    logger.info('audit checkpoint sealed', { sequence: c.sequence, records: c.records, cutoff: c.cutoff }),
  refused: (recordIds) =>
    logger.warn('audit records with a non-canonical time were not sealed', { recordIds }),
  conflicts: (conflicts) => logger.info('another sealer wrote first', { conflicts }),
};

/** The handler over any source of ports (Lambda: the environment; tests may differ). */
export function createSealerHandler(getPorts: () => Promise<AuditSealPorts>) {
  const raw = async (_event: ScheduledEvent, _context: Context): Promise<SealRunResult> => {
    const result = await sealRun(await getPorts(), new Date(), logSealing);
    metrics.addMetric('AuditRecordsSealed', MetricUnit.Count, result.records);
    metrics.addMetric('AuditCheckpointsWritten', MetricUnit.Count, result.checkpoints);
    return result;
  };
  return middy(raw).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

export const handler = createSealerHandler(auditSealPorts);
