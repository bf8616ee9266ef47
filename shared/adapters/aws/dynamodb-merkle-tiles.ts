import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './errors.js';
import { AUDIT_TILE_KEYS } from '../../config/resources.js';
import { tileKey, type TileMap, type TileRef, type TileWrite } from '../../domain/merkle-tiles.js';
import type { MerkleTileStore, TilePointer } from '../../ports/audit-seal.js';

/** Tiles written at once (each an UpdateItem of at most 8 KiB). */
const WRITE_AHEAD = 16;

const itemKey = (t: TileRef): string => `${AUDIT_TILE_KEYS.tilePrefix}${t.level}#${t.index}`;

/**
 * The Merkle tiles and their pointer as control-table items (`AUDIT_TILE_KEYS`), with GetItem and
 * UpdateItem only — the rights the sealer (writes) and the readers already hold on that table. A
 * tile is written only when it grows (`width` condition), so a slower, older writer can never
 * shorten a tile a newer pointer relies on; the pointer moves conditionally, after its tiles.
 */
export class DynamoMerkleTiles implements MerkleTileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async pointer(): Promise<TilePointer | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: AUDIT_TILE_KEYS.pointer }, ConsistentRead: true }),
    );
    const i = r.Item;
    if (!i || typeof i.sequence !== 'number') return undefined;
    return { sequence: i.sequence, size: Number(i.size), root: String(i.root), cutoff: String(i.cutoff) };
  }

  async read(tiles: readonly TileRef[]): Promise<TileMap> {
    const found = await Promise.all(
      tiles.map(async (t) => {
        // Eventually consistent is enough: a tile only grows, and a stale one fails verification.
        const r = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: itemKey(t) } }));
        const hashes = r.Item?.hashes as Uint8Array | undefined;
        return hashes instanceof Uint8Array ? ([tileKey(t), hashes] as const) : undefined;
      }),
    );
    return new Map(found.filter((x) => x !== undefined));
  }

  async write(tiles: readonly TileWrite[], to: TilePointer, from: number | null): Promise<boolean> {
    for (let i = 0; i < tiles.length; i += WRITE_AHEAD)
      await Promise.all(tiles.slice(i, i + WRITE_AHEAD).map((t) => this.writeTile(t)));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: AUDIT_TILE_KEYS.pointer },
          UpdateExpression: 'SET #seq = :seq, #size = :size, #root = :root, #cutoff = :cutoff',
          ConditionExpression: from === null ? 'attribute_not_exists(#seq)' : '#seq = :from',
          ExpressionAttributeNames: {
            '#seq': 'sequence',
            '#size': 'size',
            '#root': 'root',
            '#cutoff': 'cutoff',
          },
          ExpressionAttributeValues: {
            ':seq': to.sequence,
            ':size': to.size,
            ':root': to.root,
            ':cutoff': to.cutoff,
            ...(from === null ? {} : { ':from': from }),
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  private async writeTile(t: TileWrite): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: itemKey(t.tile) },
          UpdateExpression: 'SET #h = :h, #w = :w',
          ConditionExpression: 'attribute_not_exists(#w) OR #w <= :w',
          ExpressionAttributeNames: { '#h': 'hashes', '#w': 'width' },
          ExpressionAttributeValues: { ':h': t.hashes, ':w': t.width },
        }),
      );
    } catch (e) {
      // Already longer (another writer went further): its prefix is these very hashes.
      if (!isConditionFailure(e)) throw e;
    }
  }
}
