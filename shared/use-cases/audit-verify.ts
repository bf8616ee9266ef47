/**
 * Verifying the audit trail at any age (issue 14) without reading its history on every call.
 *
 * - `verifyIncremental` (the verify API, the CLI, and the sealer after each run): starts from the
 *   last verified signed head stored in the control table, checks the checkpoints sealed since
 *   and the records they seal, proves the newest head's tree extends the verified head's (RFC 9162
 *   consistency proof, computed from the verified head's frontier and the new leaves), and — when
 *   asked — the checkpoints and records of a from/to window. Its cost is the new part plus the
 *   window, whatever the history holds. The sealer advances the stored head only after a check
 *   found nothing wrong.
 * - `runFullVerification` (the sealer, as a background job): re-verifies the whole log from the
 *   first checkpoint, a batch of checkpoints at a time with only their records in memory, saving
 *   its progress after each batch so a run that runs out of time resumes where it stopped; at the
 *   end it signs its result with the audit signing key and stores it.
 *
 * Records older than the retention expire by TTL: a sealed record missing from the table that is
 * past its retention is counted as expired, not reported as REMOVED.
 */
import {
  anchorOf,
  canonicalBytes,
  checkpointHash,
  parseCheckpointBody,
  pemVerifier,
  verifyChain,
  type ChainAnchor,
  type ChainProblem,
  type ChainVerification,
  type CheckpointBody,
  type SignatureCheck,
  type SignedCheckpoint,
} from '../domain/audit-chain.js';
import { consistencyProofFromFrontier, verifyConsistency } from '../domain/merkle.js';
import { readThroughDays } from './audit-days.js';
import type {
  AuditSealPorts,
  AuditSource,
  CheckpointStore,
  FullVerificationProgress,
  FullVerificationStore,
  SignedFullVerification,
  Signer,
  SweptRecord,
  VerifiedHead,
  VerifiedHeadStore,
} from '../ports/audit-seal.js';
import type { AuditRecord } from '../ports/index.js';

/** At most this many checkpoints after the verified head per call (a day of per-minute heads). */
export const MAX_NEW_CHECKPOINTS = 1440;
/** At most this many checkpoints in a from/to window (31 days of per-minute heads). */
export const MAX_WINDOW_CHECKPOINTS = 31 * 1440;
/** A batch is verified once it lists this many records or holds this many checkpoints. */
export const BATCH_RECORDS = 5000;
export const BATCH_CHECKPOINTS = 120;
/** Problems kept in a full verification's progress and result (the count is exact). */
export const FULL_VERIFICATION_PROBLEMS_KEPT = 20;

/**
 * Before the first checkpoint, records are looked for this far back from its first record: the
 * byDay index is read a day at a time, so "since 1970" would cost 20,000 queries. A record
 * back-dated further before the log's start is not seen (it is in no checkpoint's window).
 */
export const BEFORE_FIRST_CHECKPOINT_DAYS = 62;

function beforeTheFirst(cp: SignedCheckpoint): string {
  const parsed = parseCheckpointBody(cp.body);
  const from = 'body' in parsed ? Date.parse(parsed.body.from) : NaN;
  return Number.isNaN(from)
    ? new Date(0).toISOString()
    : new Date(Math.max(0, from - BEFORE_FIRST_CHECKPOINT_DAYS * 86_400_000)).toISOString();
}

/** Records at or before this instant are past `years` of retention at `now`. */
export function retentionHorizon(now: Date, years: number | undefined): string | undefined {
  if (years === undefined) return undefined;
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString();
}

/** One checkpoint by sequence (`get`, else from the listing for stores without it). */
export async function getCheckpoint(
  store: CheckpointStore,
  sequence: number,
): Promise<SignedCheckpoint | undefined> {
  if (store.get) return store.get(sequence);
  return (await store.list()).find((c) => c.sequence === sequence);
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

/** A checkpoint that verifies on its own (signature, shape, filed sequence), or why not. */
function checkedBody(
  cp: SignedCheckpoint | undefined,
  sequence: number,
  check: SignatureCheck,
): { body: CheckpointBody } | { problem: ChainProblem } {
  if (!cp)
    return {
      problem: {
        kind: 'CHECKPOINT_MISSING',
        checkpoint: sequence,
        detail: `checkpoint ${sequence} is missing`,
      },
    };
  const parsed = parseCheckpointBody(cp.body);
  if ('error' in parsed)
    return {
      problem: {
        kind: 'CHAIN_BROKEN',
        checkpoint: sequence,
        detail: `checkpoint ${sequence} is malformed: ${parsed.error}`,
      },
    };
  if (!check(canonicalBytes(parsed.body), cp.signature))
    return {
      problem: {
        kind: 'BAD_SIGNATURE',
        checkpoint: sequence,
        detail: `the signature of checkpoint ${sequence} does not verify with the public key`,
      },
    };
  if (parsed.body.sequence !== sequence)
    return {
      problem: {
        kind: 'CHAIN_BROKEN',
        checkpoint: sequence,
        detail: `checkpoint filed as ${sequence} says it is ${parsed.body.sequence}`,
      },
    };
  return { body: parsed.body };
}

/** What a stretch of checkpoints verified, accumulated batch by batch. */
interface Tally {
  anchor: ChainAnchor | undefined;
  checkedCheckpoints: number;
  checkedRecords: number;
  expired: number;
  problemCount: number;
  problems: ChainProblem[];
  /** The record hashes the stretch's checkpoints list, when the caller wants the leaves. */
  leaves?: string[];
  /** Largest number of records held in memory at once (one batch). */
  peakRecordsHeld: number;
}

interface StretchInput {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  readonly check: SignatureCheck;
  readonly expiredBefore?: string;
  readonly from?: string;
  readonly to?: string;
  /** Keep at most this many problems (the count stays exact). */
  readonly keep?: number;
  /** Checkpoints per batch (default `BATCH_CHECKPOINTS`). */
  readonly batchCheckpoints?: number;
}

/**
 * Verifies checkpoints `first`…`last` after `tally.anchor`, a batch at a time: the batch's
 * checkpoints and the records between the anchor's cutoff and the batch's last cutoff, then the
 * batch's last checkpoint is the anchor of the next. Returns the next sequence to read; stops
 * early when `more()` says time is up (after a whole batch).
 */
async function verifyStretch(
  input: StretchInput,
  tally: Tally,
  first: number,
  last: number,
  more: () => boolean = () => true,
): Promise<number> {
  let next = first;
  while (next <= last && more()) {
    const batch: SignedCheckpoint[] = [];
    let listed = 0;
    let cutoff: string | undefined;
    const most = input.batchCheckpoints ?? BATCH_CHECKPOINTS;
    while (next <= last && listed < BATCH_RECORDS && batch.length < most) {
      const cp = await getCheckpoint(input.checkpoints, next);
      next++;
      if (!cp) continue; // the gap is reported by verifyChain (its successor's sequence jumps)
      batch.push(cp);
      const parsed = parseCheckpointBody(cp.body);
      if ('body' in parsed) {
        listed += parsed.body.records.length;
        if (!cutoff || parsed.body.cutoff > cutoff) cutoff = parsed.body.cutoff;
      }
    }
    if (batch.length === 0) {
      if (next > last) {
        tally.problemCount += last - first + 1;
        tally.problems.push({
          kind: 'CHECKPOINT_MISSING',
          checkpoint: first,
          detail: `checkpoint(s) ${first}…${last} are missing`,
        });
      }
      continue;
    }
    const lower = tally.anchor?.cutoff ?? beforeTheFirst(batch[0]!);
    const records: AuditRecord[] = cutoff
      ? await collect(
          input.audit.between
            ? input.audit.between(lower, cutoff)
            : filtered(input.audit.all(), lower, cutoff),
        )
      : [];
    tally.peakRecordsHeld = Math.max(tally.peakRecordsHeld, records.length);
    const v = verifyChain({
      checkpoints: batch,
      records,
      verifySignature: input.check,
      ...(tally.anchor ? { anchor: tally.anchor } : {}),
      ...(input.expiredBefore !== undefined ? { expiredBefore: input.expiredBefore } : {}),
      ...(input.from !== undefined ? { from: input.from } : {}),
      ...(input.to !== undefined ? { to: input.to } : {}),
    });
    tally.checkedCheckpoints += v.checkedCheckpoints;
    tally.checkedRecords += v.checkedRecords;
    tally.expired += v.expired;
    tally.problemCount += v.problems.length;
    const room = (input.keep ?? Infinity) - tally.problems.length;
    if (room > 0) tally.problems.push(...v.problems.slice(0, room));
    const lastBody = parseCheckpointBody(batch.at(-1)!.body);
    for (const cp of batch) {
      const parsed = parseCheckpointBody(cp.body);
      if (tally.leaves && 'body' in parsed) for (const e of parsed.body.records) tally.leaves.push(e.hash);
    }
    if ('body' in lastBody) tally.anchor = anchorOf(lastBody.body);
    else break; // an unreadable checkpoint: nothing can be chained onto it (reported above)
  }
  return next;
}

async function* filtered(all: AsyncIterable<AuditRecord>, after: string, upTo: string) {
  for await (const r of all) if (typeof r.at === 'string' && r.at > after && r.at <= upTo) yield r;
}

/**
 * The first sequence in [lo, hi] whose cutoff is ≥ t (hi + 1 when none), by bisection with `get`:
 * the verify window's bounds, and the checkpoint that seals a record of time t (a proof).
 */
export async function firstWithCutoffAtOrAfter(
  store: CheckpointStore,
  lo: number,
  hi: number,
  t: string,
): Promise<number> {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    const cp = await getCheckpoint(store, mid);
    const parsed = cp ? parseCheckpointBody(cp.body) : undefined;
    // An unreadable or missing checkpoint counts as "at or after": the window starts earlier.
    if (!parsed || 'error' in parsed || parsed.body.cutoff >= t) b = mid;
    else a = mid + 1;
  }
  return a;
}

export interface IncrementalInput {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  /** The signing key's public key (SPKI PEM). */
  readonly publicKeyPem: string;
  /** Where the last verified head is kept (without it: from the start, capped). */
  readonly verifiedHead?: VerifiedHeadStore;
  readonly now: Date;
  /** Also verify the checkpoints and records of this window (before the verified head). */
  readonly from?: string;
  readonly to?: string;
  readonly retentionYears?: number;
  /** Move the stored head to the newest head checked when nothing was found (the sealer). */
  readonly advance?: boolean;
  /** Checkpoints per batch (default `BATCH_CHECKPOINTS`). */
  readonly batchCheckpoints?: number;
}

export type IncrementalVerification = ChainVerification & {
  /** The head stored after this check (the same as before unless `advance` and ok). */
  readonly verifiedHead: VerifiedHead | null;
  /** Records held in memory at once, at most (one batch). */
  readonly peakRecordsHeld: number;
};

const headRef = (h: { sequence: number; size: number; root: string }) => ({
  sequence: h.sequence,
  size: h.size,
  root: h.root,
});

/**
 * Checks what was sealed since the last verified head, plus a from/to window when given.
 * Primary course: 1. read the stored head and re-check its checkpoint (signature, and that it is
 * the checkpoint verified: same hash); 2. read the checkpoints after it (at most
 * `MAX_NEW_CHECKPOINTS`) and the records in their time range, batch by batch, and check the chain,
 * the tree heads and every record; 3. check the newest tree extends the verified one with an RFC
 * 9162 consistency proof; 4. with from/to, find the window's checkpoints by bisection and check
 * them and their records the same way; 5. when asked and nothing was found, advance the head.
 */
export async function verifyIncremental(given: IncrementalInput): Promise<IncrementalVerification> {
  // History (the window, the head's checkpoint) is read a day bundle at a time where one exists.
  const input: IncrementalInput = { ...given, checkpoints: readThroughDays(given.checkpoints) };
  const check = pemVerifier(input.publicKeyPem);
  const expiredBefore = retentionHorizon(input.now, input.retentionYears);
  const stored = (await input.verifiedHead?.get()) ?? null;
  const problems: ChainProblem[] = [];
  let anchor: ChainAnchor | undefined;
  let anchorBody: CheckpointBody | undefined;
  if (stored) {
    const checked = checkedBody(
      await getCheckpoint(input.checkpoints, stored.sequence),
      stored.sequence,
      check,
    );
    if ('problem' in checked) problems.push(checked.problem);
    else if (checkpointHash(checked.body) !== stored.checkpointHash)
      problems.push({
        kind: 'CHAIN_BROKEN',
        checkpoint: stored.sequence,
        detail: `checkpoint ${stored.sequence} is not the one verified before (its hash differs)`,
      });
    else {
      anchorBody = checked.body;
      anchor = anchorOf(checked.body);
    }
  }
  const tally: Tally = {
    anchor,
    checkedCheckpoints: 0,
    checkedRecords: 0,
    expired: 0,
    problemCount: 0,
    problems: [],
    leaves: [],
    peakRecordsHeld: 0,
  };
  const latest = await input.checkpoints.latest();
  const start = (stored?.sequence ?? 0) + 1;
  const last = Math.min(latest?.sequence ?? 0, start - 1 + MAX_NEW_CHECKPOINTS);
  let newCheckpoints = 0;
  if (problems.length === 0 && last >= start) {
    await verifyStretch(
      {
        audit: input.audit,
        checkpoints: input.checkpoints,
        check,
        ...(expiredBefore ? { expiredBefore } : {}),
      },
      tally,
      start,
      last,
    );
    newCheckpoints = last - start + 1;
  }
  problems.push(...tally.problems);

  // The newest head checked must extend the verified head's tree (RFC 9162 consistency).
  const newest = tally.anchor;
  let consistency: string[] = [];
  if (anchorBody?.tree && newest?.tree && newest.sequence > anchorBody.sequence) {
    const from = anchorBody.tree;
    consistency =
      from.size > 0
        ? consistencyProofFromFrontier({ size: from.size, nodes: from.frontier }, tally.leaves!)
        : [];
    const holds =
      from.size === 0 ||
      (newest.tree.size === from.size + tally.leaves!.length &&
        verifyConsistency(from.size, newest.tree.size, from.root, newest.tree.root, consistency));
    if (!holds)
      problems.push({
        kind: 'CHAIN_BROKEN',
        checkpoint: newest.sequence,
        detail: `the tree of checkpoint ${newest.sequence} does not extend the verified head ${anchorBody.sequence}'s`,
      });
  }

  // Records after the newest cutoff are not sealed yet: counted, not judged.
  let pending = 0;
  if (newest && latest && newest.sequence === latest.sequence && input.audit.between)
    for await (const _ of input.audit.between(newest.cutoff, input.now.toISOString())) pending++;

  // The from/to window, before the verified head (what the new part does not cover).
  let windowCheckpoints = 0;
  const windowTally: Tally = {
    anchor: undefined,
    checkedCheckpoints: 0,
    checkedRecords: 0,
    expired: 0,
    problemCount: 0,
    problems: [],
    peakRecordsHeld: 0,
  };
  const headSeq = stored?.sequence ?? 0;
  if ((input.from || input.to) && headSeq > 0 && (!input.from || !anchor || input.from <= anchor.cutoff)) {
    const first = input.from ? await firstWithCutoffAtOrAfter(input.checkpoints, 1, headSeq, input.from) : 1;
    const lastInWindow = input.to
      ? Math.min(headSeq, await firstWithCutoffAtOrAfter(input.checkpoints, first, headSeq, input.to))
      : headSeq;
    const end = Math.min(lastInWindow, first + MAX_WINDOW_CHECKPOINTS - 1);
    if (first <= end) {
      if (first > 1) {
        const before = checkedBody(await getCheckpoint(input.checkpoints, first - 1), first - 1, check);
        if ('body' in before) windowTally.anchor = anchorOf(before.body);
        else problems.push(before.problem);
      }
      await verifyStretch(
        {
          audit: input.audit,
          checkpoints: input.checkpoints,
          check,
          ...(expiredBefore ? { expiredBefore } : {}),
          ...(input.from ? { from: input.from } : {}),
          ...(input.to ? { to: input.to } : {}),
        },
        windowTally,
        first,
        end,
      );
      windowCheckpoints = end - first + 1;
      problems.push(...windowTally.problems);
    }
  }

  const ok = problems.length === 0;
  let head = stored;
  if (ok && input.advance && input.verifiedHead && newest && newest.sequence > (stored?.sequence ?? 0)) {
    const cp = await getCheckpoint(input.checkpoints, newest.sequence);
    const next: VerifiedHead = {
      sequence: newest.sequence,
      size: newest.tree?.size ?? 0,
      root: newest.tree?.root ?? '',
      cutoff: newest.cutoff,
      checkpointHash: newest.hash,
      signature: Buffer.from(cp!.signature).toString('base64'),
      verifiedAt: input.now.toISOString(),
    };
    if (await input.verifiedHead.advance(next, stored?.sequence ?? null)) head = next;
  }
  return {
    ok,
    checkedRecords: tally.checkedRecords + windowTally.checkedRecords,
    checkedCheckpoints: tally.checkedCheckpoints + windowTally.checkedCheckpoints,
    pending,
    problems,
    firstProblem: problems[0] ?? null,
    problemsOutsideRange: 0,
    latestSequence: newest?.sequence ?? null,
    sealedUpTo: newest?.cutoff ?? null,
    expired: tally.expired + windowTally.expired,
    incremental: {
      fromHead: stored ? headRef(stored) : null,
      toHead: newest
        ? { sequence: newest.sequence, size: newest.tree?.size ?? 0, root: newest.tree?.root ?? '' }
        : null,
      consistencyProof: consistency,
      newCheckpoints,
      windowCheckpoints,
    },
    verifiedHead: head,
    peakRecordsHeld: Math.max(tally.peakRecordsHeld, windowTally.peakRecordsHeld),
  };
}

// ── the full re-verification (background job) ───────────────────────────────────────────────

/** The signed outcome of a full re-verification. */
export interface FullVerificationResult {
  readonly kind: 'audit-full-verification';
  readonly version: 1;
  readonly requestedAt: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly ok: boolean;
  readonly checkedCheckpoints: number;
  readonly checkedRecords: number;
  readonly expired: number;
  readonly problemCount: number;
  /** The first problems found, in chain order (at most `FULL_VERIFICATION_PROBLEMS_KEPT`). */
  readonly problems: readonly ChainProblem[];
  /** Records the sweep of the whole table read (id and time only), when the source can sweep. */
  readonly sweptRecords?: number;
  /** The last checkpoint verified (the head the log had when the job started). */
  readonly head: {
    readonly sequence: number;
    readonly size: number;
    readonly root: string;
    readonly cutoff: string;
  } | null;
}

/** Whether a stored full-verification result carries a valid signature by this key. */
export function verifyFullResult(signed: SignedFullVerification, check: SignatureCheck): boolean {
  try {
    return check(canonicalBytes(signed.result), Buffer.from(signed.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface FullVerificationPorts {
  readonly audit: AuditSource;
  readonly checkpoints: CheckpointStore;
  readonly signer: Signer;
  readonly fullVerification: FullVerificationStore;
  readonly retentionYears?: number;
  /** Checkpoints per batch (default `BATCH_CHECKPOINTS`): what is held in memory at once. */
  readonly batchCheckpoints?: number;
}

export type FullVerificationStep =
  | { readonly status: 'idle' }
  | {
      readonly status: 'running';
      readonly nextSequence: number;
      readonly untilSequence: number;
      readonly peakRecordsHeld: number;
    }
  | {
      readonly status: 'finished';
      readonly result: FullVerificationResult;
      readonly peakRecordsHeld: number;
    };

/**
 * Continues the requested full verification while `more()` allows (the sealer passes the time its
 * invocation has left): reads the stored progress, verifies the next batches of checkpoints,
 * saves the progress after each batch, and — past the last checkpoint the log had when the job
 * started — signs and stores the result. A no-op without a request.
 */
export async function runFullVerification(
  given: FullVerificationPorts,
  now: () => Date,
  more: () => boolean,
): Promise<FullVerificationStep> {
  // One object per day of history where the day is bundled, not one per minute.
  const ports: FullVerificationPorts = { ...given, checkpoints: readThroughDays(given.checkpoints) };
  let progress = await ports.fullVerification.progress();
  if (!progress) return { status: 'idle' };
  const check = pemVerifier(await ports.signer.publicKeyPem());
  if (progress.status === 'requested') {
    const latest = await ports.checkpoints.latest();
    progress = {
      ...progress,
      status: 'running',
      startedAt: now().toISOString(),
      nextSequence: 1,
      untilSequence: latest?.sequence ?? 0,
      checkedCheckpoints: 0,
      checkedRecords: 0,
      expired: 0,
      problemCount: 0,
      problems: '[]',
    };
    await ports.fullVerification.save(progress);
  }
  const expiredBefore = retentionHorizon(now(), ports.retentionYears);
  const tally: Tally = {
    anchor: progress.anchor ? (JSON.parse(progress.anchor) as ChainAnchor) : undefined,
    checkedCheckpoints: progress.checkedCheckpoints,
    checkedRecords: progress.checkedRecords,
    expired: progress.expired,
    problemCount: progress.problemCount,
    problems: JSON.parse(progress.problems) as ChainProblem[],
    peakRecordsHeld: 0,
  };
  const until = progress.untilSequence ?? 0;
  let next = progress.nextSequence;
  while (next <= until && more()) {
    // One batch, then save: a run that stops resumes from here.
    const batchEnd = Math.min(until, next + (ports.batchCheckpoints ?? BATCH_CHECKPOINTS) - 1);
    next = await verifyStretch(
      {
        ...(ports.batchCheckpoints ? { batchCheckpoints: ports.batchCheckpoints } : {}),
        audit: ports.audit,
        checkpoints: ports.checkpoints,
        check,
        keep: FULL_VERIFICATION_PROBLEMS_KEPT,
        ...(expiredBefore ? { expiredBefore } : {}),
      },
      tally,
      next,
      batchEnd,
    );
    progress = {
      ...progress,
      nextSequence: next,
      ...(tally.anchor ? { anchor: JSON.stringify(tally.anchor) } : {}),
      checkedCheckpoints: tally.checkedCheckpoints,
      checkedRecords: tally.checkedRecords,
      expired: tally.expired,
      problemCount: tally.problemCount,
      problems: JSON.stringify(tally.problems),
    };
    await ports.fullVerification.save(progress);
  }
  if (next <= until)
    return {
      status: 'running',
      nextSequence: next,
      untilSequence: until,
      peakRecordsHeld: tally.peakRecordsHeld,
    };
  if (ports.audit.slice && until > 0) {
    progress = await sweep(ports, progress, tally, more);
    if ((progress.nextSlice ?? 0) < SWEEP_SLICES)
      return {
        status: 'running',
        nextSequence: next,
        untilSequence: until,
        peakRecordsHeld: tally.peakRecordsHeld,
      };
  }
  const headCp = until > 0 ? await getCheckpoint(ports.checkpoints, until) : undefined;
  const headBody = headCp ? parseCheckpointBody(headCp.body) : undefined;
  const result: FullVerificationResult = {
    kind: 'audit-full-verification',
    version: 1,
    requestedAt: progress.requestedAt,
    startedAt: progress.startedAt ?? progress.requestedAt,
    finishedAt: now().toISOString(),
    ok: tally.problemCount === 0,
    checkedCheckpoints: tally.checkedCheckpoints,
    checkedRecords: tally.checkedRecords,
    expired: tally.expired,
    problemCount: tally.problemCount,
    problems: tally.problems,
    ...(progress.sweptRecords !== undefined ? { sweptRecords: progress.sweptRecords } : {}),
    head:
      headBody && 'body' in headBody
        ? {
            sequence: until,
            size: headBody.body.tree?.size ?? 0,
            root: headBody.body.tree?.root ?? '',
            cutoff: headBody.body.cutoff,
          }
        : null,
  };
  const signature = await ports.signer.sign(canonicalBytes(result));
  await ports.fullVerification.finish({ result, signature: Buffer.from(signature).toString('base64') });
  return { status: 'finished', result, peakRecordsHeld: tally.peakRecordsHeld };
}

/** Slices of the full verification's sweep (DynamoDB parallel Scan segments). */
export const SWEEP_SLICES = 64;

/**
 * Why the checkpoint phase cannot have seen this record (it reads the day partitions of the
 * checkpoints' windows), or undefined when it has: such a record is listed by no checkpoint.
 */
function strayReason(r: SweptRecord, before: string | undefined): string | undefined {
  if (typeof r.at !== 'string') return 'has no time: no checkpoint can list it';
  if (before !== undefined && r.at <= before)
    return `is dated ${r.at}, before the audit log began: no checkpoint lists it`;
  if (r.day !== r.at.slice(0, 10))
    return 'is filed under no day or another day than its time: no checkpoint lists it';
  return undefined;
}

/**
 * The sweep after the checkpoints: reads the whole table, slice by slice (id and time only, so
 * memory stays flat), for records no day partition the checkpoints cover would show — dated at
 * or before the start of the first checkpoint's window (`beforeTheFirst`), or without a
 * canonical time — and reports each as INSERTED. Saves progress after each slice.
 */
async function sweep(
  ports: FullVerificationPorts,
  start: FullVerificationProgress,
  tally: Tally,
  more: () => boolean,
): Promise<FullVerificationProgress> {
  let progress = start;
  if (progress.nextSlice === undefined) {
    const first = await getCheckpoint(ports.checkpoints, 1);
    progress = {
      ...progress,
      nextSlice: 0,
      sweptRecords: 0,
      ...(first ? { strayBefore: beforeTheFirst(first) } : {}),
    };
    await ports.fullVerification.save(progress);
  }
  const before = progress.strayBefore;
  while ((progress.nextSlice ?? 0) < SWEEP_SLICES && more()) {
    const index = progress.nextSlice ?? 0;
    let swept = 0;
    for await (const r of ports.audit.slice!(index, SWEEP_SLICES)) {
      swept++;
      const why = strayReason(r, before);
      if (!why) continue;
      tally.problemCount++;
      if (tally.problems.length < FULL_VERIFICATION_PROBLEMS_KEPT)
        tally.problems.push({
          kind: 'INSERTED',
          recordId: String(r.id),
          detail: `record ${String(r.id)} ${why}`,
        });
    }
    progress = {
      ...progress,
      nextSlice: index + 1,
      sweptRecords: (progress.sweptRecords ?? 0) + swept,
      problemCount: tally.problemCount,
      problems: JSON.stringify(tally.problems),
    };
    await ports.fullVerification.save(progress);
  }
  return progress;
}

// ── the sealer's run: seal, verify what is new, continue the full verification ──────────────

/** What the sealer's run reports about verification (the function logs it; no record content). */
export interface VerifyObserver {
  verified?(v: { ok: boolean; head: number | null; problems: number; firstKind?: string }): void;
  fullVerification?(step: FullVerificationStep): void;
}

/**
 * After sealing: verify the new checkpoints against the stored head and advance it when they are
 * intact (never past a failure); then continue a requested full verification while `more()`.
 */
export async function verifyAfterSealing(
  ports: AuditSealPorts,
  now: () => Date,
  more: () => boolean,
  observe: VerifyObserver = {},
): Promise<void> {
  if (ports.verifiedHead) {
    const v = await verifyIncremental({
      audit: ports.audit,
      checkpoints: ports.checkpoints,
      publicKeyPem: await ports.signer.publicKeyPem(),
      verifiedHead: ports.verifiedHead,
      now: now(),
      advance: true,
      ...(ports.retentionYears !== undefined ? { retentionYears: ports.retentionYears } : {}),
    });
    observe.verified?.({
      ok: v.ok,
      head: v.verifiedHead?.sequence ?? null,
      problems: v.problems.length,
      ...(v.firstProblem ? { firstKind: v.firstProblem.kind } : {}),
    });
  }
  if (ports.fullVerification) {
    const step = await runFullVerification(
      {
        audit: ports.audit,
        checkpoints: ports.checkpoints,
        signer: ports.signer,
        fullVerification: ports.fullVerification,
        ...(ports.retentionYears !== undefined ? { retentionYears: ports.retentionYears } : {}),
      },
      now,
      more,
    );
    if (step.status !== 'idle') observe.fullVerification?.(step);
  }
}
