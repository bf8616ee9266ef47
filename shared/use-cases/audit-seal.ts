/**
 * Sealing and verifying the audit trail (see `shared/domain/audit-chain.ts` for the chain).
 *
 * `sealAudit` runs on a schedule (every minute on AWS, a timer locally): it seals the records
 * that arrived since the last checkpoint's cutoff, up to now − grace, into one signed checkpoint
 * in the write-once store. `verifyAudit` recomputes the whole chain from the table and the store.
 */
import {
  buildCheckpoint,
  MAX_RECORDS_PER_CHECKPOINT,
  SEAL_GRACE_MS,
  canonicalBytes,
  parseCheckpointBody,
  pemVerifier,
  selectForSealing,
  verifyChain,
  type ChainVerification,
  type CheckpointBody,
} from '../domain/audit-chain.js';
import {
  CheckpointExistsError,
  type AuditSource,
  type CheckpointStore,
  type MerkleTileStore,
  type Signer,
} from '../ports/audit-seal.js';
import { extendTiles, type TileRun } from './audit-tiles.js';
import type { AuditRecord, AuditStatsStore } from '../ports/index.js';
import { countByDay } from '../domain/audit-stats.js';
import { crossings, type AlertThresholds, type AuditAlert } from '../domain/audit-alerts.js';
import { inclusionProof } from '../domain/merkle.js';
import type { RecordProof } from '../domain/audit-proof.js';
import type { DayBundle } from '../domain/audit-days.js';
import { rollUpDays } from './audit-days.js';

/** Kept for callers that name the default; one definition in the domain. */
export { SEAL_GRACE_MS as DEFAULT_SEAL_GRACE_MS } from '../domain/audit-chain.js';

/** The chain the sealer would extend is not intact: it stops instead of sealing over it. */
export class ChainIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainIntegrityError';
  }
}

export interface SealInput {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  readonly signer: Signer;
  /** The sealing instant (default: the current time). */
  readonly now?: Date | (() => Date);
  /** Records younger than this are left for the next run (default `SEAL_GRACE_MS`). */
  readonly graceMs?: number;
  /** At most this many records in one checkpoint (default unlimited); the rest is `more`. */
  readonly maxRecords?: number;
  /**
   * Write a checkpoint even when there is nothing to seal, so the cutoff keeps advancing and a
   * record back-dated after the last cutoff cannot be sealed later as if legitimate (default false).
   */
  readonly sealEmpty?: boolean;
  /** Puts that lose the race to another sealer are retried this many times in all (default 3). */
  readonly maxAttempts?: number;
}

export type SealResult =
  | {
      readonly status: 'sealed';
      readonly sequence: number;
      readonly count: number;
      readonly cutoff: string;
      /** The previous checkpoint's cutoff (undefined for the first). */
      readonly after?: string;
      /** The records sealed (for the per-day counters). */
      readonly records: readonly AuditRecord[];
      /** More records wait up to now − grace (the checkpoint was capped at maxRecords). */
      readonly more: boolean;
      /** Ids of records with a non-canonical `at` that were not sealed. */
      readonly refused: string[];
      /** Puts lost to another sealer before this one succeeded. */
      readonly conflicts: number;
    }
  | {
      readonly status: 'nothing-to-seal';
      readonly latestSequence: number | null;
      readonly cutoff: string | null;
      readonly refused: string[];
      readonly conflicts: number;
    };

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

/** The latest checkpoint's body, checked before anything is chained onto it. */
async function previousBody(
  checkpoints: CheckpointStore,
  signer: Signer,
): Promise<CheckpointBody | undefined> {
  const latest = await checkpoints.latest();
  if (!latest) return undefined;
  const parsed = parseCheckpointBody(latest.body);
  if ('error' in parsed)
    throw new ChainIntegrityError(`checkpoint ${latest.sequence} is malformed: ${parsed.error}`);
  if (parsed.body.sequence !== latest.sequence)
    throw new ChainIntegrityError(
      `checkpoint filed as ${latest.sequence} says it is ${parsed.body.sequence}`,
    );
  if (!pemVerifier(await signer.publicKeyPem())(canonicalBytes(parsed.body), latest.signature))
    throw new ChainIntegrityError(`checkpoint ${latest.sequence} does not verify with the signing key`);
  return parsed.body;
}

/**
 * Seals every record after the last checkpoint's cutoff and at or before now − grace into ONE new
 * checkpoint (a no-op when there is none, unless `sealEmpty`). Safe to run concurrently: the store
 * refuses a second checkpoint with the same sequence, and the loser re-reads the chain and
 * retries (usually finding nothing left to seal).
 */
export async function sealAudit(input: SealInput): Promise<SealResult> {
  const now = typeof input.now === 'function' ? input.now() : (input.now ?? new Date());
  const graceMs = input.graceMs ?? SEAL_GRACE_MS;
  const upTo = new Date(now.getTime() - graceMs).toISOString();
  const attempts = input.maxAttempts ?? 3;
  let conflicts = 0;
  for (;;) {
    const previous = await previousBody(input.checkpoints, input.signer);
    const nothing = (refused: string[] = []): SealResult => ({
      status: 'nothing-to-seal',
      latestSequence: previous?.sequence ?? null,
      cutoff: previous?.cutoff ?? null,
      refused,
      conflicts,
    });
    if (previous && Date.parse(upTo) <= Date.parse(previous.cutoff)) return nothing();
    const candidates = await collect<AuditRecord>(
      previous && input.audit.between ? input.audit.between(previous.cutoff, upTo) : input.audit.all(),
    );
    const selection = selectForSealing(candidates, {
      after: previous?.cutoff,
      upTo,
      ...(input.maxRecords !== undefined ? { maxRecords: input.maxRecords } : {}),
    });
    const refused = selection.refused.map((r) => String(r.id));
    if (selection.records.length === 0 && !input.sealEmpty) return nothing(refused);
    const body = buildCheckpoint(previous, selection.records, now.toISOString(), {
      cutoff: selection.cutoff,
    });
    const bytes = canonicalBytes(body);
    const signature = await input.signer.sign(bytes);
    // A signature the public key does not accept (wrong key configured) must not enter the store.
    if (!pemVerifier(await input.signer.publicKeyPem())(bytes, signature))
      throw new ChainIntegrityError('the signer produced a signature its own public key rejects');
    try {
      await input.checkpoints.put(body.sequence, body, signature);
    } catch (e) {
      if (!(e instanceof CheckpointExistsError)) throw e;
      conflicts++;
      if (conflicts >= attempts) throw e;
      continue;
    }
    return {
      status: 'sealed',
      sequence: body.sequence,
      count: body.count,
      cutoff: body.cutoff,
      ...(previous ? { after: previous.cutoff } : {}),
      records: selection.records,
      more: selection.more,
      refused,
      conflicts,
    };
  }
}

export interface VerifyInput {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  /** The signing key's public key (SPKI PEM): all an auditor needs besides the data. */
  readonly publicKeyPem: string;
  /** Report only problems touching this time range (the chain is always checked in full). */
  readonly from?: string;
  readonly to?: string;
  /** See `verifyChain`: the sealer is known to have run up to here (detects a removed last checkpoint). */
  readonly sealedUpTo?: string;
  readonly graceMs?: number;
}

/** Recomputes the whole chain from every record in the table and every stored checkpoint. */
export async function verifyAudit(input: VerifyInput): Promise<ChainVerification> {
  const [records, checkpoints] = await Promise.all([collect(input.audit.all()), input.checkpoints.list()]);
  return verifyChain({
    checkpoints,
    records,
    verifySignature: pemVerifier(input.publicKeyPem),
    ...(input.sealedUpTo !== undefined ? { sealedUpTo: input.sealedUpTo } : {}),
    ...(input.graceMs !== undefined ? { graceMs: input.graceMs } : {}),
    ...(input.from !== undefined ? { from: input.from } : {}),
    ...(input.to !== undefined ? { to: input.to } : {}),
  });
}

/** A backlog larger than one checkpoint is sealed in at most this many checkpoints per run. */
export const MAX_CHECKPOINTS_PER_RUN = 10;

/**
 * The one-off backfill of the cumulative counters reads at most this many days per run (a log of
 * 20 years, ≈ 7,300 days, in 20 runs: 20 minutes with the sealer every minute).
 */
export const BACKFILL_DAYS_PER_RUN = 366;

export interface SealRunResult {
  readonly checkpoints: number;
  readonly records: number;
  readonly latestSequence: number | null;
  readonly more: boolean;
  /** Checkpoints counted into the per-day counters in this run. */
  readonly counted?: number;
  /** Alert thresholds crossed by what this run counted (each crossing reported once). */
  readonly alerts?: readonly AuditAlert[];
  /** What the run added to the Merkle tiles (when the sealer keeps them). */
  readonly tiles?: TileRun;
}

/** What a run reports while it seals (the sealer function logs it; tests may ignore it). */
export interface SealObserver {
  sealed?(checkpoint: { sequence: number; records: number; cutoff: string }): void;
  refused?(recordIds: readonly string[]): void;
  conflicts?(count: number): void;
  /** The per-day counters could not be updated (retried by the next run). */
  statsFailed?(error: unknown): void;
  /** Counting crossed alert thresholds (day, institution code, kind, count: no personal data). */
  alerts?(alerts: readonly AuditAlert[]): void;
  /** Finished days bundled into one object each (retried by the next run when it fails). */
  rolledUp?(days: readonly { day: string; first: number; last: number }[]): void;
  rollUpFailed?(error: unknown): void;
  /** The Merkle tiles could not be extended (the next run catches up from the tile pointer). */
  tilesFailed?(error: unknown): void;
}

/** The sealer's ports, with the per-day counters it keeps when given them. */
export type SealRunPorts = Pick<SealInput, 'audit' | 'checkpoints' | 'signer'> & {
  readonly stats?: AuditStatsStore;
  /** Thresholds of the auditors' alerts; without them no crossing is computed. */
  readonly alertThresholds?: AlertThresholds;
  /** The Merkle tiles the proofs read; extended after sealing when given. */
  readonly tiles?: MerkleTileStore;
};

async function collectAll<T>(source: AsyncIterable<T>): Promise<T[]> {
  return collect(source);
}

/**
 * Counts every checkpoint after the counters' watermark into the per-day counters, in sequence
 * order (at most `MAX_CHECKPOINTS_PER_RUN` per run, so a backlog catches up over runs). The
 * records of a checkpoint just sealed are passed in; for any other the sealed records are read
 * back from its time window. Counting a checkpoint twice adds nothing (the store is idempotent
 * per sequence), so a crash between sealing and counting is repaired by the next run.
 */
export async function countSealed(
  ports: SealRunPorts,
  sealed: ReadonlyMap<
    number,
    { after?: string; cutoff: string; records: readonly AuditRecord[] }
  > = new Map(),
  alerts: AuditAlert[] = [],
): Promise<number> {
  const stats = ports.stats;
  if (!stats) return 0;
  const watermark = await stats.watermark();
  const latest = await ports.checkpoints.latest();
  if (!latest) return 0;
  if (watermark && !watermark.cumulative) {
    // A log counted before the cumulative counters existed: one bounded slice of their backfill
    // from the per-day counters per run; counting waits meanwhile, so the backfill sees a log that
    // does not move (each run seals as usual; what it seals is counted once the backfill is done).
    const parsed = parseCheckpointBody(latest.body);
    const through = 'error' in parsed ? watermark.cutoff : parsed.body.cutoff;
    if (!(await stats.backfillCumulative(through.slice(0, 10), BACKFILL_DAYS_PER_RUN))) return 0;
  }
  let sequence = watermark?.sequence ?? 0;
  let after = watermark?.cutoff;
  let counted = 0;
  while (sequence < latest.sequence && counted < MAX_CHECKPOINTS_PER_RUN) {
    const next = sequence + 1;
    let records: readonly AuditRecord[];
    let cutoff: string;
    const known = sealed.get(next);
    if (known && known.after === after) {
      records = known.records;
      cutoff = known.cutoff;
    } else {
      const stored = next === latest.sequence ? latest : await ports.checkpoints.get?.(next);
      const parsed = stored ? parseCheckpointBody(stored.body) : undefined;
      if (!parsed || 'error' in parsed) break; // verification reports it; counting stops here
      const body = parsed.body;
      cutoff = body.cutoff;
      const ids = new Set(body.records.map((e) => e.id));
      const lower = after ?? new Date(Date.parse(body.from) - 1).toISOString();
      const candidates = await collectAll<AuditRecord>(
        ports.audit.between ? ports.audit.between(lower, cutoff) : ports.audit.all(),
      );
      records = candidates.filter((r) => ids.has(String(r.id)));
    }
    const counts = countByDay(records);
    // The counters of the days touched, before and after (one item per day): a crossing is reported
    // by the run that counts it, once (a checkpoint counted again adds nothing, so crosses nothing).
    const touched = [...new Set(counts.map((c) => c.day))];
    const before = ports.alertThresholds && touched.length > 0 ? await stats.days(touched) : [];
    await stats.add(next, cutoff, counts);
    if (ports.alertThresholds && touched.length > 0)
      alerts.push(...crossings(before, await stats.days(touched), ports.alertThresholds));
    sequence = next;
    after = cutoff;
    counted++;
  }
  return counted;
}

/**
 * One scheduled run of the sealer.
 *
 * Primary course: 1. seal the records older than the grace into one checkpoint — an empty one
 * when nothing was written, so the cutoff advances every interval and a record back-dated into a
 * quiet period cannot be sealed later as if genuine; 2. while a backlog remains, seal the next, at
 * most `MAX_CHECKPOINTS_PER_RUN` per run; 3. count what was sealed into the per-day counters;
 * 4. append the new leaves to the Merkle tiles (`extendTiles`: from the tile pointer, so a run
 * that crashed before this step is caught up by the next); 5. report. Records with a non-canonical time and lost races are reported, never sealed over.
 */
export async function sealRun(
  ports: SealRunPorts,
  now: Date = new Date(),
  observe: SealObserver = {},
): Promise<SealRunResult> {
  let checkpoints = 0;
  let records = 0;
  let last: SealResult;
  const sealed = new Map<number, { after?: string; cutoff: string; records: readonly AuditRecord[] }>();
  do {
    last = await sealAudit({
      audit: ports.audit,
      checkpoints: ports.checkpoints,
      signer: ports.signer,
      now,
      graceMs: SEAL_GRACE_MS,
      maxRecords: MAX_RECORDS_PER_CHECKPOINT,
      sealEmpty: true,
    });
    if (last.refused.length > 0) observe.refused?.(last.refused);
    if (last.conflicts > 0) observe.conflicts?.(last.conflicts);
    if (last.status !== 'sealed') break;
    checkpoints++;
    records += last.count;
    sealed.set(last.sequence, {
      ...(last.after !== undefined ? { after: last.after } : {}),
      cutoff: last.cutoff,
      records: last.records,
    });
    observe.sealed?.({ sequence: last.sequence, records: last.count, cutoff: last.cutoff });
  } while (last.more && checkpoints < MAX_CHECKPOINTS_PER_RUN);
  let counted = 0;
  const alerts: AuditAlert[] = [];
  try {
    counted = await countSealed(ports, sealed, alerts);
  } catch (e) {
    observe.statsFailed?.(e);
  }
  if (alerts.length > 0) observe.alerts?.(alerts);
  let days: readonly DayBundle[] = [];
  try {
    days = await rollUpDays(ports.checkpoints);
  } catch (e) {
    observe.rollUpFailed?.(e);
  }
  if (days.length > 0) observe.rolledUp?.(days.map((d) => ({ day: d.day, first: d.first, last: d.last })));
  let tiles: TileRun | undefined;
  if (ports.tiles)
    try {
      tiles = await extendTiles({ checkpoints: ports.checkpoints, tiles: ports.tiles });
    } catch (e) {
      observe.tilesFailed?.(e);
    }
  return {
    checkpoints,
    records,
    latestSequence: last.status === 'sealed' ? last.sequence : last.latestSequence,
    more: last.status === 'sealed' && last.more,
    counted,
    ...(alerts.length > 0 ? { alerts } : {}),
    ...(tiles ? { tiles } : {}),
  };
}

/**
 * The inclusion proof of one record against the latest signed tree head: its leaf, its place, the
 * audit path and the signed head. Undefined when no checkpoint with a tree seals the record.
 * Reads every checkpoint's listing (the leaves): the path of logs without Merkle tiles, and the
 * fallback when a tile-built proof is refused (`proveSealedRecord` in audit-proof.ts).
 */
export async function proveRecord(
  checkpoints: CheckpointStore,
  recordId: string,
): Promise<RecordProof | undefined> {
  const leaves: string[] = [];
  let index = -1;
  let hash = '';
  let head: { sequence: number; body: CheckpointBody; signature: Uint8Array } | undefined;
  for (const cp of await checkpoints.list()) {
    const parsed = parseCheckpointBody(cp.body);
    if ('error' in parsed || !parsed.body.tree) continue;
    const body = parsed.body;
    if (leaves.length !== body.tree!.size - body.records.length) continue; // not contiguous: skip
    for (const e of body.records) {
      if (e.id === recordId && index < 0) {
        index = leaves.length;
        hash = e.hash;
      }
      leaves.push(e.hash);
    }
    head = { sequence: cp.sequence, body, signature: cp.signature };
  }
  if (index < 0 || !head) return undefined;
  return {
    recordId,
    recordHash: hash,
    leafIndex: index,
    proof: inclusionProof(index, leaves),
    head: {
      sequence: head.sequence,
      body: head.body,
      signature: Buffer.from(head.signature).toString('base64'),
    },
  };
}
