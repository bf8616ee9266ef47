/**
 * An in-memory Merkle tile store for tests and benchmarks, with the semantics of the control-table
 * adapter (a tile never shrinks; the pointer moves only from the sequence the writer read), a count
 * of tiles read, and a hook that fails a write before the pointer moves (a crashed sealer).
 */
import { tileKey, type TileMap, type TileRef, type TileWrite } from '../../shared/domain/merkle-tiles.js';
import type { MerkleTileStore, TilePointer } from '../../shared/ports/audit-seal.js';

export class MemoryTiles implements MerkleTileStore {
  readonly tiles = new Map<string, Uint8Array>();
  stored: TilePointer | undefined;
  /** Tiles returned by `read` so far. */
  reads = 0;
  /** Set to make the next `write` store its tiles and then fail before moving the pointer. */
  crashBeforePointer = false;

  async pointer(): Promise<TilePointer | undefined> {
    return this.stored;
  }
  async read(refs: readonly TileRef[]): Promise<TileMap> {
    const out = new Map<string, Uint8Array>();
    for (const r of refs) {
      const t = this.tiles.get(tileKey(r));
      if (t) {
        out.set(tileKey(r), Uint8Array.from(t));
        this.reads++;
      }
    }
    return out;
  }
  async write(tiles: readonly TileWrite[], to: TilePointer, from: number | null): Promise<boolean> {
    for (const t of tiles) {
      const old = this.tiles.get(tileKey(t.tile));
      if (!old || old.length <= t.hashes.length) this.tiles.set(tileKey(t.tile), Uint8Array.from(t.hashes));
    }
    if (this.crashBeforePointer) {
      this.crashBeforePointer = false;
      throw new Error('crashed between the tiles and the pointer');
    }
    if ((this.stored?.sequence ?? null) !== from) return false;
    this.stored = to;
    return true;
  }
}
