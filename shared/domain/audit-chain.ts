/**
 * The tamper-evident audit chain (pure: node:crypto only, no AWS SDK, no I/O).
 *
 * A sealer periodically takes the audit records that arrived since the previous checkpoint, orders
 * them by (at, id), and writes a signed checkpoint that commits to each record's hash and to the
 * previous checkpoint. `verifyChain` recomputes everything from the records now in the table and
 * the stored checkpoints and reports every discrepancy.
 *
 * Formats (all hashes are lowercase hex SHA-256):
 *
 * - Canonical JSON: JSON with object keys sorted by UTF-16 code units at every level, no
 *   whitespace, `undefined` members left out, numbers and strings as `JSON.stringify` writes them.
 *   For the values the trail holds (strings, finite numbers, booleans, null, arrays, objects) this
 *   is RFC 8785 (JCS). A DynamoDB set becomes `{"$set":[…sorted…]}` and binary `{"$binary":"<b64>"}`,
 *   so an attribute changed to another DynamoDB type never hashes like the original.
 * - Record hash: SHA-256 of the canonical JSON of the record exactly as stored.
 * - Checkpoint body (`CheckpointBody`): `{ version: 1, sequence (1, 2, …), previous (hash of the
 *   previous checkpoint's canonical body, 64 zeros for sequence 1), sealedAt, cutoff, from, to,
 *   count, records: [{ id, at, hash }] in (at, id) order, root }`.
 *   `cutoff` is this checkpoint's promise: every record with `at` ≤ cutoff that will ever be
 *   legitimate is listed in this or an earlier checkpoint; its records all have
 *   previous cutoff < at ≤ cutoff. `from`/`to` are the first and last listed `at` (the range
 *   covered; both equal `cutoff` in an empty checkpoint).
 * - Root: h₀ = previous (32 bytes), hᵢ = SHA-256(hᵢ₋₁ ‖ record hashᵢ) over the listed order,
 *   root = hₙ. It binds the order of the records and the link to the previous checkpoint.
 * - Signature: ECDSA P-256 over SHA-256 of the canonical body bytes (UTF-8), DER encoded; checked
 *   offline with the PEM public key alone (`pemVerifier`).
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { canonicalBytes, canonicalJson, sha256, sha256Hex } from './canonical.js';
import { EMPTY_FRONTIER, appendLeaves, frontierProblem, frontierRoot } from './merkle.js';

export { canonicalBytes, canonicalJson, sha256Hex } from './canonical.js';

/**
 * Records younger than this are left for the next seal. Must exceed the longest delay between a
 * writer taking `at` and its record being readable through the byDay index: a record that appears
 * later than that is never sealed and verification reports it as INSERTED.
 */
export const SEAL_GRACE_MS = 5000;

/** Upper bound of records in one checkpoint (a backlog is sealed over several runs). */
export const MAX_RECORDS_PER_CHECKPOINT = 50_000;

/** The part of a record the chain reads; the whole stored object is hashed. */
export interface ChainRecord {
  readonly id: string;
  readonly at: string;
}

export interface CheckpointEntry {
  readonly id: string;
  readonly at: string;
  readonly hash: string;
}

/**
 * The signed tree head a checkpoint carries: the Merkle tree (RFC 9162 hashing, `merkle.ts`) over
 * every record sealed so far, in chain order, leaves = record hashes — its size, root and frontier
 * (the right edge, so the next checkpoint appends without the leaves). With the checkpoint's
 * `previous` and `cutoff` under the same signature, it is a signed tree head: size, root, cutoff,
 * previous head.
 */
export interface TreeHead {
  readonly size: number;
  readonly root: string;
  readonly frontier: readonly string[];
}

export interface CheckpointBody {
  readonly version: 1;
  readonly sequence: number;
  readonly previous: string;
  readonly sealedAt: string;
  readonly cutoff: string;
  readonly from: string;
  readonly to: string;
  readonly count: number;
  readonly records: readonly CheckpointEntry[];
  readonly root: string;
  /** Absent only in checkpoints written before the tree (their chain continues without one). */
  readonly tree?: TreeHead;
}

/** A checkpoint as a store returns it: the body is whatever is stored (validated by `verifyChain`). */
export interface SignedCheckpoint {
  /** The sequence the store files it under (its key or file name). */
  readonly sequence: number;
  readonly body: unknown;
  /** DER-encoded ECDSA signature over `canonicalBytes(body)`. */
  readonly signature: Uint8Array;
}

export const ZERO_HASH = '0'.repeat(64);
export const CHECKPOINT_VERSION = 1;

// ── hashes (canonical JSON and SHA-256: ./canonical.ts) ─────────────────────────────────────

/** SHA-256 of the record's canonical JSON: the record exactly as stored. */
export function recordHash(record: object): string {
  return sha256Hex(canonicalJson(record));
}

/** The hash a following checkpoint names as `previous`. */
export function checkpointHash(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}

/** h₀ = previous, hᵢ = SHA-256(hᵢ₋₁ ‖ hashᵢ); returns hₙ (hex). */
export function chainRoot(previous: string, hashes: readonly string[]): string {
  let h: Uint8Array = Buffer.from(previous, 'hex');
  for (const x of hashes) h = sha256(h, Buffer.from(x, 'hex'));
  return Buffer.from(h).toString('hex');
}

// ── ordering and time ───────────────────────────────────────────────────────────────────────

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

/** (at, id) order by UTF-16 code units, as the byDay index sorts `at`. */
export function compareRecords(a: ChainRecord, b: ChainRecord): number {
  const aa = str(a.at);
  const ba = str(b.at);
  if (aa !== ba) return aa < ba ? -1 : 1;
  const ai = str(a.id);
  const bi = str(b.id);
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

/** Whether `at` is an instant written as `Date#toISOString` does (so string order = time order). */
export function isCanonicalInstant(at: unknown): at is string {
  if (typeof at !== 'string') return false;
  const t = Date.parse(at);
  return Number.isFinite(t) && new Date(t).toISOString() === at;
}

const time = (at: unknown): number => (typeof at === 'string' ? Date.parse(at) : NaN);

// ── building checkpoints ────────────────────────────────────────────────────────────────────

export interface SealSelection<R extends ChainRecord> {
  /** The records to seal, in (at, id) order. */
  readonly records: R[];
  /** The cutoff of the checkpoint to write (`upTo`, or earlier when `maxRecords` split the window). */
  readonly cutoff: string;
  /** Records whose `at` is not a canonical ISO instant: never sealed (verify reports them as INSERTED). */
  readonly refused: R[];
  /** True when more records wait in the window (the checkpoint was capped at `maxRecords`). */
  readonly more: boolean;
}

/**
 * Chooses what the next checkpoint seals from candidate records: those with
 * `after` < at ≤ `upTo` (`after` = the previous checkpoint's cutoff), at most `maxRecords`, split
 * only between two distinct `at` values so the cutoff stays exact. Records at or before `after`
 * are never sealed: a record that shows up behind a cutoff is exactly what a back-dated insertion
 * looks like, so it is left for `verifyChain` to report (INSERTED) rather than laundered into the
 * next checkpoint.
 */
export function selectForSealing<R extends ChainRecord>(
  candidates: Iterable<R>,
  options: { after: string | undefined; upTo: string; maxRecords?: number },
): SealSelection<R> {
  const after = options.after === undefined ? -Infinity : Date.parse(options.after);
  const upTo = Date.parse(options.upTo);
  const window: R[] = [];
  const refused: R[] = [];
  for (const r of candidates) {
    if (!isCanonicalInstant(r.at)) {
      refused.push(r);
      continue;
    }
    const t = Date.parse(r.at);
    if (t > after && t <= upTo) window.push(r);
  }
  window.sort(compareRecords);
  const max = options.maxRecords ?? Infinity;
  if (window.length <= max) return { records: window, cutoff: options.upTo, refused, more: false };
  // Cut between two distinct instants: drop the tail that shares `at` with the first left out.
  let n = max;
  const firstLeft = window[n]!.at;
  while (n > 0 && window[n - 1]!.at === firstLeft) n--;
  if (n === 0) {
    // More than maxRecords records share one instant: they go together.
    n = window.findIndex((r) => r.at !== firstLeft);
    if (n === -1) return { records: window, cutoff: options.upTo, refused, more: false };
  }
  return { records: window.slice(0, n), cutoff: window[n - 1]!.at, refused, more: true };
}

/**
 * The next checkpoint after `previous` (undefined for the first) over `records`, which are sorted
 * here by (at, id) and must all lie in (previous.cutoff, cutoff]. `cutoff` defaults to `sealedAt`.
 */
export function buildCheckpoint(
  previous: CheckpointBody | undefined,
  records: readonly ChainRecord[],
  sealedAt: string,
  options: { cutoff?: string } = {},
): CheckpointBody {
  const cutoff = options.cutoff ?? sealedAt;
  if (!isCanonicalInstant(sealedAt) || !isCanonicalInstant(cutoff))
    throw new RangeError('sealedAt and cutoff must be ISO instants (Date#toISOString)');
  if (Date.parse(cutoff) > Date.parse(sealedAt)) throw new RangeError('cutoff is after sealedAt');
  if (previous && Date.parse(cutoff) < Date.parse(previous.cutoff))
    throw new RangeError('cutoff is before the previous checkpoint cutoff');
  const sorted = [...records].sort(compareRecords);
  const lower = previous ? Date.parse(previous.cutoff) : -Infinity;
  const seen = new Set<string>();
  for (const r of sorted) {
    if (!isCanonicalInstant(r.at)) throw new RangeError(`record ${r.id}: at is not an ISO instant`);
    const t = Date.parse(r.at);
    if (t <= lower || t > Date.parse(cutoff))
      throw new RangeError(`record ${r.id} (${r.at}) is outside (${previous?.cutoff ?? '-∞'}, ${cutoff}]`);
    if (seen.has(r.id)) throw new RangeError(`record ${r.id} appears twice`);
    seen.add(r.id);
  }
  const entries = sorted.map((r) => ({ id: r.id, at: r.at, hash: recordHash(r) }));
  const prevHash = previous ? checkpointHash(previous) : ZERO_HASH;
  const tree = !previous || previous.tree ? nextTree(previous?.tree, entries) : undefined;
  return {
    version: CHECKPOINT_VERSION,
    sequence: previous ? previous.sequence + 1 : 1,
    previous: prevHash,
    sealedAt,
    cutoff,
    from: entries[0]?.at ?? cutoff,
    to: entries.at(-1)?.at ?? cutoff,
    count: entries.length,
    records: entries,
    root: chainRoot(
      prevHash,
      entries.map((e) => e.hash),
    ),
    ...(tree ? { tree } : {}),
  };
}

/** The tree head after appending these entries to the previous head's tree. */
export function nextTree(previous: TreeHead | undefined, entries: readonly CheckpointEntry[]): TreeHead {
  const f = appendLeaves(
    previous ? { size: previous.size, nodes: previous.frontier } : EMPTY_FRONTIER,
    entries.map((e) => e.hash),
  );
  return { size: f.size, root: frontierRoot(f), frontier: f.nodes };
}

/** The body if it has the shape of a version-1 checkpoint, else why not. */
export function parseCheckpointBody(body: unknown): { body: CheckpointBody } | { error: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'not an object' };
  const b = body as Record<string, unknown>;
  const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (b.version !== CHECKPOINT_VERSION) return { error: `unknown version ${str(b.version)}` };
  if (typeof b.sequence !== 'number' || !Number.isSafeInteger(b.sequence) || b.sequence < 1)
    return { error: 'bad sequence' };
  if (!hex(b.previous)) return { error: 'bad previous hash' };
  if (!hex(b.root)) return { error: 'bad root' };
  for (const f of ['sealedAt', 'cutoff', 'from', 'to'] as const)
    if (!isCanonicalInstant(b[f])) return { error: `bad ${f}` };
  if (typeof b.count !== 'number') return { error: 'bad count' };
  if (!Array.isArray(b.records)) return { error: 'bad records' };
  if (b.tree !== undefined) {
    const t = b.tree as Record<string, unknown> | null;
    if (!t || typeof t !== 'object' || !hex(t.root)) return { error: 'bad tree head' };
    const problem = frontierProblem({ size: t.size, nodes: t.frontier });
    if (problem) return { error: `bad tree head: ${problem}` };
  }
  for (const [i, e] of (b.records as unknown[]).entries()) {
    const r = e as Record<string, unknown> | null;
    if (!r || typeof r !== 'object' || typeof r.id !== 'string' || typeof r.at !== 'string' || !hex(r.hash))
      return { error: `bad record entry ${i}` };
  }
  return { body: body as CheckpointBody };
}

// ── signatures ──────────────────────────────────────────────────────────────────────────────

export type SignatureCheck = (body: Uint8Array, signature: Uint8Array) => boolean;

/** Checks DER ECDSA P-256/SHA-256 signatures offline with a PEM (SPKI) public key. */
export function pemVerifier(publicKey: string | KeyObject): SignatureCheck {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new TypeError('the audit signing key must be an EC P-256 public key');
  return (body, signature) => {
    try {
      return cryptoVerify('sha256', body, { key, dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  };
}

/** Index of the first segment whose cutoff is ≥ t (segments ascend by cutoff); length if none. */
function firstAtOrAfter(segments: readonly { readonly upper: number }[], t: number): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]!.upper >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// ── verification ────────────────────────────────────────────────────────────────────────────

export type { ChainProblem, ChainVerification, ProblemKind } from './audit-types.js';
import type { ChainProblem, ChainVerification, ProblemKind } from './audit-types.js';

export interface VerifyChainInput {
  readonly checkpoints: readonly SignedCheckpoint[];
  /** Every record now in the table, as stored. */
  readonly records: readonly ChainRecord[];
  readonly verifySignature: SignatureCheck;
  /**
   * An outside assertion that the sealer has run up to this instant (e.g. now minus the sealing
   * interval): unsealed records with at ≤ sealedUpTo − graceMs and after the last cutoff are then
   * reported (CHECKPOINT_MISSING) instead of pending. Without it, removing the LAST checkpoint(s)
   * cannot be told from a sealer that has not run yet.
   */
  readonly sealedUpTo?: string;
  /** Applied to `sealedUpTo` only (checkpoints carry their exact cutoff). Default 5000. */
  readonly graceMs?: number;
  /** Report only problems touching this time range; the chain is still checked in full. */
  readonly from?: string;
  readonly to?: string;
  /**
   * Continue from a checkpoint already verified (incremental and streaming verification): the
   * given checkpoints follow it, and `records` need only hold those after its cutoff.
   */
  readonly anchor?: ChainAnchor;
  /**
   * Records at or before this instant are past their retention and expire by TTL: one a
   * checkpoint lists that is no longer in the table is counted as expired, not REMOVED.
   */
  readonly expiredBefore?: string;
}

/** A verified checkpoint the next ones are checked against: its sequence, hash, cutoff and tree head. */
export interface ChainAnchor {
  readonly sequence: number;
  /** `checkpointHash` of its body: what the next checkpoint names as `previous`. */
  readonly hash: string;
  readonly cutoff: string;
  /** Its tree head; null when it carries none (before the tree). */
  readonly tree: TreeHead | null;
}

/** The anchor a verified checkpoint body gives. */
export function anchorOf(body: CheckpointBody): ChainAnchor {
  return {
    sequence: body.sequence,
    hash: checkpointHash(body),
    cutoff: body.cutoff,
    tree: body.tree ?? null,
  };
}

const KIND_RANK: Record<ProblemKind, number> = {
  BAD_SIGNATURE: 0,
  CHECKPOINT_MISSING: 1,
  CHAIN_BROKEN: 2,
  REORDERED: 3,
  REMOVED: 4,
  ALTERED: 5,
  INSERTED: 6,
};

interface Found {
  readonly problem: ChainProblem;
  /** Chain position: checkpoint sequence, then index in its listing (−1 for the checkpoint itself). */
  readonly seq: number;
  readonly index: number;
  /** Time span the problem concerns, for from/to (NaN bounds = unknown: always reported). */
  readonly span: readonly [number, number];
}

interface Segment {
  readonly seq: number;
  readonly lower: number;
  readonly upper: number;
  readonly entries: readonly CheckpointEntry[];
  /** Sequences missing just before this checkpoint. */
  readonly missingBefore: readonly number[];
}

/**
 * Recomputes the chain and compares it with the records now in the table. Every problem is
 * reported, in chain order (checkpoint sequence, then listing position). The definitions:
 *
 * - BAD_SIGNATURE: the checkpoint's signature does not verify over its canonical body (edited or
 *   re-signed with another key), or it is unreadable.
 * - CHAIN_BROKEN: a checkpoint that does not follow its predecessor (previous hash), is malformed,
 *   disagrees with itself (count, root, from/to, cutoff order, records outside its cutoff window),
 *   is filed under another sequence than it states, or lists a record an earlier one already sealed.
 * - CHECKPOINT_MISSING: a gap in the sequence numbers; or (with `sealedUpTo`) records that should
 *   have been sealed after the last checkpoint but are not. Records whose time falls in a gap
 *   cannot be judged and are counted in the problem's detail, not reported one by one.
 * - REMOVED: a record a checkpoint lists is no longer in the table.
 * - ALTERED: a listed record's stored content no longer hashes to the listed hash.
 * - INSERTED: a record in the table at or before the last checkpoint's cutoff that no checkpoint
 *   lists (a back-dated insertion, or a write that arrived after the grace window).
 * - REORDERED: (a) a checkpoint whose listing is not in strictly increasing (at, id) order across
 *   the chain; or (b) a "swap": a listed record whose `at` was changed so that it now sorts at
 *   another place among the sealed records than where it was sealed. In an append-only table
 *   whose key is the id, records have no position other than their (at, id) order, so swapping
 *   two records means exchanging their `at` values (or their whole contents but the id); both
 *   records are then also ALTERED. REORDERED is ranked first at the same position.
 */
export function verifyChain(input: VerifyChainInput): ChainVerification {
  const graceMs = input.graceMs ?? SEAL_GRACE_MS;
  const from = input.from !== undefined ? Date.parse(input.from) : -Infinity;
  const to = input.to !== undefined ? Date.parse(input.to) : Infinity;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new RangeError('from/to must be ISO instants');
  const found: Found[] = [];
  const add = (problem: ChainProblem, seq: number, index: number, span: readonly [number, number]) =>
    found.push({ problem, seq, index, span });

  const byId = new Map<string, ChainRecord>();
  const duplicates = new Set<ChainRecord>();
  for (const r of input.records) {
    if (byId.has(str(r.id))) duplicates.add(r);
    else byId.set(str(r.id), r);
  }

  const checkpoints = [...input.checkpoints].sort((a, b) => a.sequence - b.sequence);
  const segments: Segment[] = [];
  const sealed = new Map<string, { seq: number; index: number; entry: CheckpointEntry }>();
  const listing: { seq: number; index: number; entry: CheckpointEntry }[] = [];
  const anchor = input.anchor;
  let prevSeq = anchor?.sequence ?? 0;
  let prevHash = anchor?.hash ?? ZERO_HASH;
  let prevCutoff = anchor ? Date.parse(anchor.cutoff) : -Infinity;
  let lastKey: ChainRecord | undefined;
  let checkedCheckpoints = 0;
  let latestCutoff: string | null = anchor?.cutoff ?? null;
  /** The previous checkpoint's tree head (undefined before the first, null when it had none). */
  let prevTree: TreeHead | null | undefined = anchor ? anchor.tree : undefined;
  const expiredBefore = input.expiredBefore !== undefined ? Date.parse(input.expiredBefore) : -Infinity;
  let expired = 0;

  for (const cp of checkpoints) {
    const seq = cp.sequence;
    if (seq === prevSeq) {
      add(
        { kind: 'CHAIN_BROKEN', checkpoint: seq, detail: `two checkpoints are filed as sequence ${seq}` },
        seq,
        -1,
        [NaN, NaN],
      );
      continue;
    }
    checkedCheckpoints++;
    const missingBefore: number[] = [];
    for (let m = prevSeq + 1; m < seq; m++) missingBefore.push(m);

    let bytes: Uint8Array | undefined;
    try {
      bytes = cp.body === undefined ? undefined : canonicalBytes(cp.body);
    } catch {
      bytes = undefined;
    }
    const parsed = parseCheckpointBody(cp.body);
    const body = 'body' in parsed ? parsed.body : undefined;
    const upper = body ? Date.parse(body.cutoff) : NaN;
    const span: [number, number] = [prevCutoff, upper];

    let signed: boolean;
    try {
      signed = bytes !== undefined && input.verifySignature(bytes, cp.signature);
    } catch {
      signed = false;
    }
    if (!signed)
      add(
        {
          kind: 'BAD_SIGNATURE',
          checkpoint: seq,
          detail:
            bytes === undefined
              ? `checkpoint ${seq} is unreadable`
              : `the signature of checkpoint ${seq} does not verify with the public key (edited or signed with another key)`,
        },
        seq,
        -1,
        span,
      );

    if (!body) {
      add(
        {
          kind: 'CHAIN_BROKEN',
          checkpoint: seq,
          detail: `checkpoint ${seq} is malformed: ${'error' in parsed ? parsed.error : ''}`,
        },
        seq,
        -1,
        span,
      );
      segments.push({ seq, lower: prevCutoff, upper: NaN, entries: [], missingBefore });
      prevSeq = seq;
      prevHash = bytes ? sha256Hex(bytes) : ZERO_HASH;
      continue;
    }

    const broken = (detail: string, recordId?: string, index = -1) =>
      add(
        { kind: 'CHAIN_BROKEN', checkpoint: seq, ...(recordId !== undefined ? { recordId } : {}), detail },
        seq,
        index,
        span,
      );
    if (body.sequence !== seq) broken(`checkpoint filed as ${seq} says it is ${body.sequence}`);
    if (missingBefore.length === 0 && body.previous !== prevHash)
      broken(
        seq === 1
          ? 'the first checkpoint does not start the chain (previous is not 64 zeros)'
          : `checkpoint ${seq} does not follow checkpoint ${prevSeq} (previous hash differs)`,
      );
    if (body.count !== body.records.length)
      broken(`count ${body.count} but ${body.records.length} records listed`);
    if (
      chainRoot(
        body.previous,
        body.records.map((e) => e.hash),
      ) !== body.root
    )
      broken('root does not match the listed record hashes');
    if (Date.parse(body.cutoff) > Date.parse(body.sealedAt)) broken('cutoff is after sealedAt');
    // The signed tree head: the previous head's tree plus exactly the records listed here.
    if (body.tree) {
      if (missingBefore.length === 0 && prevTree !== null) {
        const expected = nextTree(prevTree, body.records);
        if (
          expected.size !== body.tree.size ||
          expected.root !== body.tree.root ||
          expected.frontier.join() !== body.tree.frontier.join()
        )
          broken(`the tree head of checkpoint ${seq} does not extend the previous head by its records`);
      }
    } else if (prevTree) broken(`checkpoint ${seq} drops the tree head its predecessor carried`);
    if (upper < prevCutoff) broken(`cutoff goes back before checkpoint ${prevSeq}'s`);
    if (body.records.length > 0) {
      const ats = body.records.map((e) => e.at).sort();
      if (body.from !== ats[0] || body.to !== ats.at(-1))
        broken('from/to do not match the range of the listed records');
    }

    body.records.forEach((entry, index) => {
      const t = Date.parse(entry.at);
      if (!(t > prevCutoff && t <= upper))
        broken(`record ${entry.id} at ${entry.at} lies outside the checkpoint's window`, entry.id, index);
      if (lastKey && compareRecords(entry, lastKey) <= 0)
        add(
          {
            kind: 'REORDERED',
            checkpoint: seq,
            recordId: entry.id,
            detail: `checkpoint ${seq} lists ${entry.id} (${entry.at}) after ${lastKey.id} (${lastKey.at}): not in (at, id) order`,
          },
          seq,
          index,
          [t, t],
        );
      if (!lastKey || compareRecords(entry, lastKey) > 0) lastKey = entry;
      const already = sealed.get(entry.id);
      if (already) {
        broken(`record ${entry.id} was already sealed by checkpoint ${already.seq}`, entry.id, index);
        return;
      }
      sealed.set(entry.id, { seq, index, entry });
      listing.push({ seq, index, entry });
    });

    segments.push({ seq, lower: prevCutoff, upper, entries: body.records, missingBefore });
    prevTree = body.tree ?? null;
    prevSeq = seq;
    prevHash = checkpointHash(cp.body);
    prevCutoff = Math.max(prevCutoff, upper);
    latestCutoff = body.cutoff;
  }

  // Sealed records against the table: REMOVED, ALTERED, REORDERED (swaps).
  const present: { seq: number; index: number; entry: CheckpointEntry; record: ChainRecord; rank: number }[] =
    [];
  for (const { seq, index, entry } of listing) {
    const t = Date.parse(entry.at);
    const record = byId.get(entry.id);
    if (!record && t <= expiredBefore) {
      expired++; // past its retention: removed by TTL, as designed
      continue;
    }
    if (!record) {
      add(
        {
          kind: 'REMOVED',
          checkpoint: seq,
          recordId: entry.id,
          detail: `record ${entry.id} (${entry.at}) sealed by checkpoint ${seq} is no longer in the table`,
        },
        seq,
        index,
        [t, t],
      );
      continue;
    }
    present.push({ seq, index, entry, record, rank: present.length });
    if (recordHash(record) !== entry.hash) {
      const now = time(record.at);
      add(
        {
          kind: 'ALTERED',
          checkpoint: seq,
          recordId: entry.id,
          detail:
            str(record.at) !== entry.at
              ? `record ${entry.id} was changed since checkpoint ${seq} sealed it (at was ${entry.at}, is now ${str(record.at)})`
              : `record ${entry.id} was changed since checkpoint ${seq} sealed it (its hash differs)`,
        },
        seq,
        index,
        [Math.min(t, now), Math.max(t, now)],
      );
    }
  }
  const byCurrent = [...present].sort((a, b) => compareRecords(a.record, b.record) || a.rank - b.rank);
  byCurrent.forEach((p, currentRank) => {
    if (str(p.record.at) === p.entry.at || currentRank === p.rank) return;
    const t = Date.parse(p.entry.at);
    const now = time(p.record.at);
    const displaced = byCurrent[p.rank]!;
    add(
      {
        kind: 'REORDERED',
        checkpoint: p.seq,
        recordId: p.entry.id,
        detail: `record ${p.entry.id}'s time was changed from ${p.entry.at} to ${str(p.record.at)}: it moved from place ${p.rank + 1} to ${currentRank + 1} among the sealed records, where ${displaced.entry.id} now sorts`,
      },
      p.seq,
      p.index,
      [Math.min(t, now), Math.max(t, now)],
    );
  });

  // Records no checkpoint lists: INSERTED, in a gap, missing after the last checkpoint, or pending.
  const horizon = Math.max(
    prevCutoff,
    input.sealedUpTo !== undefined ? Date.parse(input.sealedUpTo) - graceMs : -Infinity,
  );
  const inGap = new Map<number, number>();
  const afterLast: ChainRecord[] = [];
  let pending = 0;
  const unlisted = [...byId.values()].filter((r) => !sealed.has(str(r.id)));
  const known = segments.filter((s) => !Number.isNaN(s.upper));
  for (const r of [...unlisted, ...duplicates]) {
    const t = time(r.at);
    const isDuplicate = duplicates.has(r);
    // The checkpoint whose window holds `at`; an unreadable `at` is judged against the last one.
    const s = Number.isNaN(t) ? known.at(-1) : known[firstAtOrAfter(known, t)];
    if (!s) {
      if (!Number.isNaN(t) && t <= horizon) afterLast.push(r);
      else pending++;
      continue;
    }
    if (!isDuplicate && !Number.isNaN(t) && s.missingBefore.length > 0) {
      inGap.set(s.seq, (inGap.get(s.seq) ?? 0) + 1);
      continue;
    }
    const position = s.entries.filter((e) => compareRecords(e, r) < 0).length;
    add(
      {
        kind: 'INSERTED',
        checkpoint: s.seq,
        recordId: str(r.id),
        detail: isDuplicate
          ? `a second record with id ${str(r.id)}`
          : `record ${str(r.id)} (${str(r.at)}) is not after the cutoff of checkpoint ${s.seq} (${new Date(s.upper).toISOString()}) but no checkpoint lists it`,
      },
      s.seq,
      position - 0.5,
      [t, t],
    );
  }
  for (const s of segments) {
    if (s.missingBefore.length === 0) continue;
    const n = inGap.get(s.seq) ?? 0;
    for (const m of s.missingBefore)
      add(
        {
          kind: 'CHECKPOINT_MISSING',
          checkpoint: m,
          detail: `checkpoint ${m} is missing (the chain jumps to ${s.seq})${m === s.missingBefore.at(-1) && n > 0 ? `; ${n} unlisted record(s) in its time range cannot be verified` : ''}`,
        },
        m,
        -1,
        [s.lower, s.upper],
      );
  }
  if (afterLast.length > 0) {
    afterLast.sort(compareRecords);
    const next = prevSeq + 1;
    add(
      {
        kind: 'CHECKPOINT_MISSING',
        checkpoint: next,
        recordId: str(afterLast[0]!.id),
        detail: `${afterLast.length} record(s) up to ${new Date(horizon).toISOString()} should be sealed but no checkpoint after ${prevSeq || 'the start'} lists them (checkpoint ${next} removed, or the sealer has not run)`,
      },
      next,
      -1,
      [prevCutoff, horizon],
    );
  }

  found.sort(
    (a, b) => a.seq - b.seq || a.index - b.index || KIND_RANK[a.problem.kind] - KIND_RANK[b.problem.kind],
  );
  const inRange = ([lo, hi]: readonly [number, number]) =>
    Number.isNaN(lo) || Number.isNaN(hi) || (hi >= from && lo <= to);
  const reported = found.filter((f) => inRange(f.span)).map((f) => f.problem);
  const checkedRecords = listing.filter((p) => {
    const t = Date.parse(p.entry.at);
    return t >= from && t <= to;
  }).length;
  return {
    ok: reported.length === 0,
    checkedRecords,
    checkedCheckpoints,
    pending,
    problems: reported,
    firstProblem: reported[0] ?? null,
    problemsOutsideRange: found.length - reported.length,
    latestSequence: prevSeq || null,
    sealedUpTo: latestCutoff,
    expired,
  };
}

// ── the stored form ─────────────────────────────────────────────────────────────────────────

/** Digits of the zero-padded sequence in a checkpoint's file name / object key. */
export const CHECKPOINT_NAME_DIGITS = 12;
const NAME = new RegExp(`^(\\d{${CHECKPOINT_NAME_DIGITS}})\\.json$`);

/** `000000000042.json`: names sort as the sequences do. */
export function checkpointName(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new RangeError(`bad checkpoint sequence ${sequence}`);
  return `${String(sequence).padStart(CHECKPOINT_NAME_DIGITS, '0')}.json`;
}

/** The sequence a checkpoint name stands for, or undefined for any other name. */
export function sequenceOfName(name: string): number | undefined {
  const m = NAME.exec(name);
  const sequence = m ? Number(m[1]) : 0;
  return sequence >= 1 ? sequence : undefined;
}

export const SIGNATURE_ALGORITHM = 'ECDSA_P256_SHA256_DER';

/**
 * A stored checkpoint file: `{ "body": {…}, "signature": "<base64 DER>", "signatureAlgorithm":
 * "ECDSA_P256_SHA256_DER" }`, pretty-printed. The signature is over `canonicalBytes(body)`, so the
 * file's own whitespace and key order do not matter.
 */
export function serializeCheckpoint(body: CheckpointBody, signature: Uint8Array): string {
  return `${JSON.stringify(
    { body, signature: Buffer.from(signature).toString('base64'), signatureAlgorithm: SIGNATURE_ALGORITHM },
    null,
    2,
  )}\n`;
}

/** Reads a stored checkpoint without judging it: unreadable parts come back empty for `verifyChain` to report. */
export function parseCheckpointFile(sequence: number, text: string): SignedCheckpoint {
  try {
    const parsed = JSON.parse(text) as { body?: unknown; signature?: unknown };
    const signature =
      typeof parsed.signature === 'string' ? Buffer.from(parsed.signature, 'base64') : new Uint8Array();
    return { sequence, body: parsed.body, signature };
  } catch {
    return { sequence, body: undefined, signature: new Uint8Array() };
  }
}
