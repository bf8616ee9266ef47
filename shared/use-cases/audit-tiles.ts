/**
 * Keeping the Merkle tiles (issue 14: proofs whose cost does not grow with history). The sealer
 * appends the leaves of the checkpoints after the tile pointer, a bounded slice per run, so a
 * crash between sealing and writing tiles — or a log sealed before tiles existed — is caught up
 * by the next runs from the checkpoints themselves.
 */
import { readThroughDays } from './audit-days.js';
import { parseCheckpointBody } from '../domain/audit-chain.js';
import { EMPTY_ROOT } from '../domain/merkle.js';
import { appendToTiles, edgeTiles, rootFromTiles, tileKey } from '../domain/merkle-tiles.js';
import type { CheckpointStore, MerkleTileStore, TilePointer } from '../ports/audit-seal.js';
import { getCheckpoint } from './audit-verify.js';

/** At most this many checkpoints are added to the tiles per run (a day of per-minute heads). */
export const MAX_TILE_CHECKPOINTS_PER_RUN = 1440;
/** A run stops adding checkpoints once it holds this many new leaves (whole checkpoints). */
export const MAX_TILE_LEAVES_PER_RUN = 100_000;
/** Checkpoints read at once while catching up. */
const READ_AHEAD = 8;

export interface TileRun {
  /** Checkpoints added to the tiles in this run, and their leaves. */
  readonly checkpoints: number;
  readonly leaves: number;
  /** Where the tiles reach after the run. */
  readonly pointer: TilePointer | null;
  /** Checkpoints remain after the run's slice (the next run continues). */
  readonly more: boolean;
  /**
   * Why the run stopped short (a checkpoint without a tree, not contiguous, or whose signed root
   * the tiles do not reproduce): sequences and counts only. The pointer stays before it.
   */
  readonly problem?: string;
}

export interface TilePorts {
  readonly checkpoints: CheckpointStore;
  readonly tiles: MerkleTileStore;
}

/**
 * Primary course: 1. read the pointer (none: start before checkpoint 1); 2. read the checkpoints
 * after it in order, up to the slice's bounds or the first missing one, checking each continues
 * the tree (its tree's size minus its listing is the size so far); 3. append their leaves to the
 * right-edge tiles; 4. check the tiles give the last checkpoint's signed root; 5. write the
 * changed tiles, then move the pointer (conditionally: another writer may have moved it).
 */
export async function extendTiles(
  ports: TilePorts,
  limits: { checkpoints?: number; leaves?: number } = {},
): Promise<TileRun> {
  const maxCheckpoints = limits.checkpoints ?? MAX_TILE_CHECKPOINTS_PER_RUN;
  const maxLeaves = limits.leaves ?? MAX_TILE_LEAVES_PER_RUN;
  // Catching up over bundled days reads a bundle per day, not a checkpoint per minute.
  const history = readThroughDays(ports.checkpoints);
  const pointer = (await ports.tiles.pointer()) ?? null;
  const from = pointer?.size ?? 0;
  let size = from;
  let last: TilePointer | undefined;
  const leaves: string[] = [];
  let problem: string | undefined;
  let next = (pointer?.sequence ?? 0) + 1;
  let added = 0;
  let ended = false;
  read: while (!ended && added < maxCheckpoints && leaves.length < maxLeaves) {
    const want = Math.min(READ_AHEAD, maxCheckpoints - added);
    const batch = await Promise.all(Array.from({ length: want }, (_, i) => getCheckpoint(history, next + i)));
    for (const cp of batch) {
      if (!cp || added >= maxCheckpoints || leaves.length >= maxLeaves) {
        ended = !cp;
        break read;
      }
      const parsed = parseCheckpointBody(cp.body);
      if ('error' in parsed) {
        problem = `checkpoint ${cp.sequence} is malformed`;
        break read;
      }
      const { tree, records } = parsed.body;
      if (!tree) {
        problem = `checkpoint ${cp.sequence} carries no tree head`;
        break read;
      }
      if (parsed.body.sequence !== cp.sequence || tree.size - records.length !== size) {
        problem = `checkpoint ${cp.sequence} does not continue the tree of ${size} leaves`;
        break read;
      }
      for (const e of records) leaves.push(e.hash);
      size = tree.size;
      last = { sequence: cp.sequence, size, root: tree.root, cutoff: parsed.body.cutoff };
      added++;
      next++;
    }
  }
  const more = !ended && !problem && (added >= maxCheckpoints || leaves.length >= maxLeaves);
  if (!last) return { checkpoints: 0, leaves: 0, pointer, more, ...(problem ? { problem } : {}) };
  const edge = await ports.tiles.read(edgeTiles(from));
  const writes = appendToTiles(from, edge, leaves);
  const after = new Map(edge);
  for (const w of writes) after.set(tileKey(w.tile), w.hashes);
  const root = size === 0 ? EMPTY_ROOT : rootFromTiles(size, after);
  if (root !== last.root)
    return {
      checkpoints: 0,
      leaves: 0,
      pointer,
      more: false,
      problem: `the tiles do not reproduce the signed root of checkpoint ${last.sequence}`,
    };
  const moved = await ports.tiles.write(writes, last, pointer?.sequence ?? null);
  if (!moved) return { checkpoints: 0, leaves: 0, pointer: (await ports.tiles.pointer()) ?? null, more };
  return {
    checkpoints: added,
    leaves: leaves.length,
    pointer: last,
    more,
    ...(problem ? { problem } : {}),
  };
}
