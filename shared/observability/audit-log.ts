/**
 * What the audit sealer's runs say in the function's log: record ids, sequence numbers, counts,
 * institution codes and problem kinds — never a person. The sealer handler passes these observers
 * to the `sealRun` and `verifyAfterSealing` use cases.
 */
import type { SealObserver } from '../use-cases/audit-seal.js';
import type { VerifyObserver } from '../use-cases/audit-verify.js';
import { logger } from './index.js';

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
