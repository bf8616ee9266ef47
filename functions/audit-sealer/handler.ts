/**
 * Audit sealer function: a scheduled event (EventBridge, every minute; a timer locally) → seal the
 * audit records that arrived since the last checkpoint into one signed checkpoint. A thin adapter:
 * the ports come from the environment, the work is `sealAudit`.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { auditSealPorts, type AuditSealPorts } from '../../shared/adapters/compose-audit.js';
import { AUDIT_CHECKPOINTS } from '../../shared/config/resources.js';
import { logger, metrics } from '../../shared/observability/index.js';
import { sealAudit, type SealResult } from '../../shared/use-cases/audit-seal.js';

/** A backlog larger than one checkpoint is sealed in at most this many checkpoints per run. */
const MAX_CHECKPOINTS_PER_RUN = 10;

export interface SealRunResult {
  readonly checkpoints: number;
  readonly records: number;
  readonly latestSequence: number | null;
  readonly more: boolean;
}

/** One run: seal until nothing is left (or the per-run bound), with the given ports. */
export async function sealRun(ports: AuditSealPorts, now: Date = new Date()): Promise<SealRunResult> {
  let checkpoints = 0;
  let records = 0;
  let last: SealResult | undefined;
  do {
    last = await sealAudit({
      ...ports,
      now,
      graceMs: AUDIT_CHECKPOINTS.sealGraceMs,
      maxRecords: AUDIT_CHECKPOINTS.maxRecordsPerCheckpoint,
    });
    if (last.refused.length > 0)
      logger.warn('audit records with a non-canonical time were not sealed', { recordIds: last.refused });
    if (last.conflicts > 0) logger.info('another sealer wrote first', { conflicts: last.conflicts });
    if (last.status !== 'sealed') break;
    checkpoints++;
    records += last.count;
    logger.info('audit checkpoint sealed', {
      sequence: last.sequence,
      records: last.count,
      cutoff: last.cutoff,
    });
  } while (last.more && checkpoints < MAX_CHECKPOINTS_PER_RUN);
  metrics.addMetric('AuditRecordsSealed', MetricUnit.Count, records);
  metrics.addMetric('AuditCheckpointsWritten', MetricUnit.Count, checkpoints);
  return {
    checkpoints,
    records,
    latestSequence: last.status === 'sealed' ? last.sequence : last.latestSequence,
    more: last.status === 'sealed' && last.more,
  };
}

/** The handler over any source of ports (Lambda: the environment; the local stack and tests may differ). */
export function createSealerHandler(getPorts: () => Promise<AuditSealPorts>) {
  const raw = async (_event: ScheduledEvent, _context: Context): Promise<SealRunResult> =>
    sealRun(await getPorts());
  return middy(raw).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

export const handler = createSealerHandler(auditSealPorts);
