/**
 * The inclusion proof of one sealed audit record at any age of the log (issue 14): a handful of
 * reads, not the history — the record's time (one GetItem, or given), the checkpoint that sealed
 * it (bisection over the sequences by cutoff), the tile pointer and its checkpoint (the head), and
 * the few tiles of the audit path. Every proof is verified against the head's signed root before
 * it is returned: a wrong tile is reported and the proof rebuilt from the whole history (the path
 * of logs without tiles), never served.
 */
import { readThroughDays } from './audit-days.js';
import { parseCheckpointBody, pemVerifier, type CheckpointBody } from '../domain/audit-chain.js';
import { verifyRecordProof, type RecordProof } from '../domain/audit-proof.js';
import { proofFromTiles, proofTiles, TileMissingError } from '../domain/merkle-tiles.js';
import type { AuditSource, CheckpointStore, MerkleTileStore } from '../ports/audit-seal.js';
import { proveRecord } from './audit-seal.js';
import { firstWithCutoffAtOrAfter, getCheckpoint } from './audit-verify.js';

export interface ProofDeps {
  readonly checkpoints: CheckpointStore;
  /** The tiles (absent: every proof reads the whole history, as before tiles). */
  readonly tiles?: MerkleTileStore;
  /** Where the record's time is read by id (when the caller does not know it). */
  readonly audit?: Pick<AuditSource, 'get'>;
  /** The signing key's public key (SPKI PEM): each proof is checked with it before it is returned. */
  readonly publicKeyPem: string;
  /** A tile-built proof failed (reported, then rebuilt from the history): sequences and tile keys only. */
  readonly onTileProblem?: (reason: string) => void;
}

/** What proving found: a verified proof and how it was built, or why there is none. */
export type ProofOutcome =
  | { readonly status: 'proven'; readonly proof: RecordProof; readonly via: 'tiles' | 'history' }
  | { readonly status: 'unknown' }
  /** The record exists but is not (yet) in a head the tiles reach: sealed within a minute or so. */
  | { readonly status: 'not-sealed' };

/** A tile-built proof failed verification, and so did the proof rebuilt from the history. */
export class ProofVerificationError extends Error {
  constructor(readonly reason: string) {
    super(`the inclusion proof does not verify: ${reason}`);
    this.name = 'ProofVerificationError';
  }
}

type Built = { proof: RecordProof } | { problem: string } | { status: 'not-sealed' };

/** A signed checkpoint's parsed body, or undefined when missing or malformed. */
async function bodyOf(
  store: CheckpointStore,
  sequence: number,
): Promise<{ body: CheckpointBody; signature: Uint8Array } | undefined> {
  const cp = await getCheckpoint(store, sequence);
  const parsed = cp ? parseCheckpointBody(cp.body) : undefined;
  return cp && parsed && 'body' in parsed ? { body: parsed.body, signature: cp.signature } : undefined;
}

/** Steps 2–5 of `proveSealedRecord`: the proof from the tiles, unverified. */
async function fromTiles(
  deps: ProofDeps & { tiles: MerkleTileStore },
  recordId: string,
  at: string,
): Promise<Built> {
  const pointer = await deps.tiles.pointer();
  if (!pointer || at > pointer.cutoff) return { status: 'not-sealed' };
  // Bisection through the day bundles where the days are bundled (an object per probed day).
  const sequence = await firstWithCutoffAtOrAfter(readThroughDays(deps.checkpoints), 1, pointer.sequence, at);
  if (sequence > pointer.sequence) return { status: 'not-sealed' };
  const [sealing, head] = await Promise.all([
    bodyOf(deps.checkpoints, sequence),
    bodyOf(deps.checkpoints, pointer.sequence),
  ]);
  if (!sealing?.body.tree || !head?.body.tree)
    return { problem: `checkpoint ${sequence} or ${pointer.sequence} is unreadable or has no tree` };
  const k = sealing.body.records.findIndex((e) => e.id === recordId);
  // Not in the checkpoint whose window holds its time: never sealed (written back-dated).
  if (k < 0) return { status: 'not-sealed' };
  const leafIndex = sealing.body.tree.size - sealing.body.records.length + k;
  const size = head.body.tree.size;
  if (leafIndex >= size) return { problem: `leaf ${leafIndex} is beyond head ${pointer.sequence}` };
  try {
    const tiles = await deps.tiles.read(proofTiles(leafIndex, size));
    return {
      proof: {
        recordId,
        recordHash: sealing.body.records[k]!.hash,
        leafIndex,
        proof: proofFromTiles(leafIndex, size, tiles),
        head: {
          sequence: pointer.sequence,
          body: head.body,
          signature: Buffer.from(head.signature).toString('base64'),
        },
      },
    };
  } catch (e) {
    if (e instanceof TileMissingError) return { problem: e.message };
    throw e;
  }
}

/**
 * Primary course: 1. the record's time (given, else one read by id; unknown id: `unknown`);
 * 2. the tile pointer — a record after its cutoff is `not-sealed` (the next sealer run reaches
 * it); 3. the checkpoint whose window holds that time, by bisection up to the pointer, and the
 * record's place in its listing (the leaf index); 4. the head: the pointer's checkpoint; 5. the
 * path from the tiles; 6. verify it against the head's signature and root. On a failure at 5 or 6,
 * report and rebuild from the whole history (also verified). Without tiles (tools, tests), or
 * without a way to read the record's time, the history path is the only one.
 */
export async function proveSealedRecord(
  deps: ProofDeps,
  recordId: string,
  known: { at?: string } = {},
): Promise<ProofOutcome> {
  const check = pemVerifier(deps.publicKeyPem);
  const at = known.at ?? (deps.audit?.get ? (await deps.audit.get(recordId))?.at : undefined);
  if (deps.tiles && typeof at === 'string') {
    const built = await fromTiles({ ...deps, tiles: deps.tiles }, recordId, at);
    if ('status' in built) return built;
    if ('proof' in built) {
      const v = verifyRecordProof(built.proof, check);
      if (v.ok) return { status: 'proven', proof: built.proof, via: 'tiles' };
      deps.onTileProblem?.(`tile proof of leaf ${built.proof.leafIndex} refused: ${v.reason}`);
    } else deps.onTileProblem?.(built.problem);
  } else if (deps.tiles && deps.audit?.get && at === undefined) return { status: 'unknown' };
  const proof = await proveRecord(deps.checkpoints, recordId);
  if (!proof) return { status: 'unknown' };
  const v = verifyRecordProof(proof, check);
  if (!v.ok) throw new ProofVerificationError(v.reason);
  return { status: 'proven', proof, via: 'history' };
}
