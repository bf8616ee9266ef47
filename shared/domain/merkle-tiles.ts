/**
 * Tiles of the audit Merkle tree (`merkle.ts`), as C2SP tlog-tiles and Go's sumdb store them, so
 * an inclusion proof reads a handful of stored hashes instead of every leaf.
 *
 * A stored hash (ℓ, j) is the hash of the perfect subtree over leaves [j·2^ℓ, (j+1)·2^ℓ): level 0
 * holds the leaf hashes (`leafHash` of the record hash). Tile (L, N) keeps the hashes of level 8L
 * with indices N·256 … N·256 + 255, concatenated 32-byte values; only the last tile of each level
 * is partial (fewer than 256), and it only ever grows. A hash of level 8L + r (r < 8) is recomputed
 * from the 2^r hashes of its tile below it, so a tree of n leaves has about n/255 tiles and any
 * proof touches at most two tiles per tile level (the leaf's, and the right edge's): ⌈log₂₅₆ n⌉ ≤ 4
 * levels up to 4 billion leaves.
 *
 * Every RFC 9162 node an inclusion proof needs is the root of a range [lo, hi) that the PATH
 * recursion produces; such a range is aligned, so it splits into perfect subtrees largest first
 * (its binary decomposition), each a stored hash. Pure: node:crypto only; the reads are the
 * caller's (a use case asks `proofTiles`, reads them, then calls `proofFromTiles`).
 */
import { leafHash, nodeHash, type Hash } from './merkle.js';

/** Levels per tile and hashes per full tile (tlog-tiles: height 8, width 256). */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
const HASH = 32;

/** One tile: tile level L (hashes of tree level 8L) and index N among that level's tiles. */
export interface TileRef {
  readonly level: number;
  readonly index: number;
}

export const tileKey = (t: TileRef): string => `${t.level}/${t.index}`;

/** Tiles by `tileKey`: their hashes, concatenated (a partial tile is shorter). */
export type TileMap = ReadonlyMap<string, Uint8Array>;

/** A tile the caller asked for is absent or too short for what the tree of this size needs. */
export class TileMissingError extends Error {
  constructor(readonly tile: TileRef) {
    super(`tile ${tileKey(tile)} is missing or too short`);
    this.name = 'TileMissingError';
  }
}

const hex = (h: Hash): string => Buffer.from(h).toString('hex');

/** The perfect subtrees of the aligned range [lo, hi), largest first, as (level, index). */
function perfectParts(lo: number, hi: number): { level: number; index: number }[] {
  const out: { level: number; index: number }[] = [];
  while (lo < hi) {
    let size = 1;
    let level = 0;
    while (size * 2 <= hi - lo) {
      size *= 2;
      level++;
    }
    out.push({ level, index: lo / size });
    lo += size;
  }
  return out;
}

/** Where stored hash (ℓ, j) is recomputed from: its tile and the run of base hashes inside it. */
function baseOf(level: number, index: number): { tile: TileRef; first: number; count: number } {
  const L = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level - L * TILE_HEIGHT);
  const start = index * count;
  return { tile: { level: L, index: Math.floor(start / TILE_WIDTH) }, first: start % TILE_WIDTH, count };
}

/** The root of a perfect run of hashes (a power-of-two count). */
function perfectRoot(hashes: Hash[]): Hash {
  let row = hashes;
  while (row.length > 1) {
    const up: Hash[] = [];
    for (let i = 0; i < row.length; i += 2) up.push(nodeHash(row[i]!, row[i + 1]!));
    row = up;
  }
  return row[0]!;
}

function storedHash(tiles: TileMap, level: number, index: number): Hash {
  const { tile, first, count } = baseOf(level, index);
  const bytes = tiles.get(tileKey(tile));
  if (!bytes || bytes.length < (first + count) * HASH) throw new TileMissingError(tile);
  const run: Hash[] = [];
  for (let i = first; i < first + count; i++) run.push(bytes.subarray(i * HASH, (i + 1) * HASH));
  return perfectRoot(run);
}

/** The RFC 9162 root of the aligned range [lo, hi) from the tiles. */
function rangeRoot(tiles: TileMap, lo: number, hi: number): Hash {
  const parts = perfectParts(lo, hi).map((p) => storedHash(tiles, p.level, p.index));
  let h = parts.at(-1)!;
  for (let i = parts.length - 2; i >= 0; i--) h = nodeHash(parts[i]!, h);
  return h;
}

/** The largest power of two strictly below n (n ≥ 2), as RFC 9162 splits. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The ranges whose roots make up the audit path of leaf m in [lo, hi) (RFC 9162 PATH), leaf first. */
function pathRanges(m: number, lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  while (hi - lo > 1) {
    const k = split(hi - lo);
    if (m < lo + k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
    }
  }
  return out.reverse();
}

function checkIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new RangeError('index out of range');
}

/** The tiles an inclusion proof of leaf `index` in the tree of `size` leaves reads (a handful). */
export function proofTiles(index: number, size: number): TileRef[] {
  checkIndex(index, size);
  const seen = new Map<string, TileRef>();
  for (const [lo, hi] of pathRanges(index, 0, size))
    for (const p of perfectParts(lo, hi)) {
      const { tile } = baseOf(p.level, p.index);
      seen.set(tileKey(tile), tile);
    }
  return [...seen.values()];
}

/**
 * The audit path of leaf `index` in the tree of `size` leaves (hex, as `inclusionProof`), from the
 * tiles `proofTiles` named. Throws `TileMissingError` when one is absent or too short. The tiles
 * are not trusted: the caller verifies the path against the signed root.
 */
export function proofFromTiles(index: number, size: number, tiles: TileMap): string[] {
  checkIndex(index, size);
  return pathRanges(index, 0, size).map(([lo, hi]) => hex(rangeRoot(tiles, lo, hi)));
}

/** The root (hex) of the tree of `size` leaves (≥ 1), from its right-edge tiles (`edgeTiles`). */
export function rootFromTiles(size: number, tiles: TileMap): string {
  return hex(rangeRoot(tiles, 0, size));
}

/** How many stored hashes level 8L holds in a tree of `size` leaves. */
const countAt = (size: number, L: number): number => Math.floor(size / TILE_WIDTH ** L);

/**
 * The partial tile of each level of a tree of `size` leaves: all that appending leaves needs to
 * read (full tiles never change) — one per tile level, none where the level's last tile is full.
 */
export function edgeTiles(size: number): TileRef[] {
  const out: TileRef[] = [];
  for (let L = 0; countAt(size, L) > 0; L++) {
    const c = countAt(size, L);
    if (c % TILE_WIDTH > 0) out.push({ level: L, index: Math.floor(c / TILE_WIDTH) });
  }
  return out;
}

/** A tile to store: its place, its hashes, and how many (its width, 1…256). */
export interface TileWrite {
  readonly tile: TileRef;
  readonly hashes: Uint8Array;
  readonly width: number;
}

/**
 * Appends leaves (record hashes, hex) to the tree of `size` leaves whose right-edge tiles are
 * `edge`; returns every tile that changed, with its whole content (a tile completed on the way,
 * and each level's new partial tile). Throws `TileMissingError` when an edge tile is absent.
 */
export function appendToTiles(size: number, edge: TileMap, leaves: readonly string[]): TileWrite[] {
  const rows: Hash[][] = [];
  const counts: number[] = [];
  for (let L = 0; countAt(size, L) > 0; L++) {
    const c = countAt(size, L);
    counts[L] = c;
    const width = c % TILE_WIDTH;
    const tile = { level: L, index: Math.floor(c / TILE_WIDTH) };
    const bytes = width > 0 ? edge.get(tileKey(tile)) : undefined;
    if (width > 0 && (!bytes || bytes.length < width * HASH)) throw new TileMissingError(tile);
    rows[L] = Array.from({ length: width }, (_, i) => bytes!.subarray(i * HASH, (i + 1) * HASH));
  }
  const before = [...counts];
  const changed: TileWrite[] = [];
  const push = (L: number, h: Hash) => {
    const row = (rows[L] ??= []);
    row.push(h);
    counts[L] = (counts[L] ?? 0) + 1;
    if (row.length === TILE_WIDTH) {
      const tile = { level: L, index: counts[L] / TILE_WIDTH - 1 };
      changed.push({ tile, hashes: Buffer.concat(row), width: TILE_WIDTH });
      rows[L] = [];
      push(L + 1, perfectRoot(row));
    }
  };
  for (const leaf of leaves) push(0, leafHash(Buffer.from(leaf, 'hex')));
  // Each level's partial tile, where the level grew.
  rows.forEach((row, L) => {
    if (row.length > 0 && counts[L] !== before[L])
      changed.push({
        tile: { level: L, index: Math.floor(counts[L]! / TILE_WIDTH) },
        hashes: Buffer.concat(row),
        width: row.length,
      });
  });
  return changed;
}
