import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { CHANGE_KEYS, TABLES } from '../../config/resources.js';
import { feedExpiry } from '../../config/retention.js';
import {
  FEED_SLOT_PREFIX,
  feedSlotKey,
  type FeedRecord,
  type OutboxEntry,
  type PlacedFeedRecord,
} from '../../domain/feed.js';
import type { ChangeFeedStore } from '../../ports/index.js';
import { isConditionFailure } from './errors.js';

/** The partition key prefixes of outbox entries and feeds (defined once, in resources.ts). */
export const OUTBOX_PREFIX = CHANGE_KEYS.outboxPrefix;
const FEED_PREFIX = CHANGE_KEYS.feedPrefix;

/** The value of the sparse `pending` attribute of an outbox entry not yet relayed. */
const PENDING = 'outbox';
const PENDING_INDEX = TABLES.changes.globalIndexes[0].name;
/** In a feed's partition: the last-position hint, and one placement mark per change (`MARK#<outbox id>`). */
const HEAD = 'HEAD';
const MARKER_PREFIX = 'MARK#';

/** The outbox item of a change: what the ledger writes with the balance change. */
export function outboxItem(e: OutboxEntry): Record<string, unknown> {
  return {
    pk: `${OUTBOX_PREFIX}${e.outboxId}`,
    sk: 'OUTBOX',
    type: 'OUTBOX',
    pending: PENDING,
    ...e,
    expiresAt: feedExpiry(e.changedAt),
  };
}

/** An outbox entry read back from an item (a stream image or a query), without the table's own attributes. */
export function outboxEntryOf(item: Record<string, unknown>): OutboxEntry {
  return { ...feedRecordOf(item), pseudonym: String(item.pseudonym) };
}

/** A feed item read back (no pseudonym: feed items carry none). */
function feedRecordOf(item: Record<string, unknown>): FeedRecord {
  return {
    outboxId: String(item.outboxId),
    rulingNumber: String(item.rulingNumber),
    nationalNumber: String(item.nationalNumber),
    lines: ((item.lines as { academicYear: unknown; credits: unknown }[] | undefined) ?? []).map((l) => ({
      academicYear: String(l.academicYear),
      credits: Number(l.credits),
    })),
    delta: Number(item.delta),
    changedAt: String(item.changedAt),
    ...(typeof item.numberCiphertext === 'string' ? { numberCiphertext: item.numberCiphertext } : {}),
  };
}

/**
 * The change feed on DynamoDB. An institution's feed is one partition (`FEED#<institution>`): the
 * items at their positions (`SEQ#…`, put-if-absent), a placement mark per change (`MARK#…`) and
 * the last-position hint (`HEAD`); `placeInFeed` (use-cases/change-feed.ts) is the protocol. No
 * transaction is needed, so the emulator runs the same protocol. The student's pseudonym stays in
 * the outbox entry; a feed item carries only the masked number.
 */
export class DynamoChangeFeedStore implements ChangeFeedStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getOutbox(outboxId: string): Promise<OutboxEntry | undefined> {
    const r = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `${OUTBOX_PREFIX}${outboxId}`, sk: 'OUTBOX' },
        ConsistentRead: true,
      }),
    );
    return r.Item ? outboxEntryOf(r.Item) : undefined;
  }

  async listPending(limit: number): Promise<OutboxEntry[]> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: PENDING_INDEX,
        KeyConditionExpression: 'pending = :p',
        ExpressionAttributeValues: { ':p': PENDING },
        Limit: limit,
      }),
    );
    return (r.Items ?? []).map(outboxEntryOf);
  }

  private feedKey = (institution: string, sk: string) => ({ pk: `${FEED_PREFIX}${institution}`, sk });

  private async getFeedItem(institution: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.feedKey(institution, sk), ConsistentRead: true }),
    );
    return r.Item;
  }

  async findPlacement(institution: string, outboxId: string): Promise<string | undefined> {
    const marker = await this.getFeedItem(institution, `${MARKER_PREFIX}${outboxId}`);
    return marker ? String(marker.position) : undefined;
  }

  async lastPosition(institution: string): Promise<number> {
    const head = await this.getFeedItem(institution, HEAD);
    return typeof head?.position === 'number' ? head.position : 0;
  }

  async claimPosition(
    institution: string,
    n: number,
    record: FeedRecord,
  ): Promise<Pick<FeedRecord, 'outboxId' | 'changedAt'>> {
    const sk = feedSlotKey(n);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.feedKey(institution, sk),
            type: 'FEED',
            ...record,
            expiresAt: feedExpiry(record.changedAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    const holder = await this.getFeedItem(institution, sk);
    // Taken a moment ago and already expired is not possible within the retention; say so loudly.
    if (!holder) throw new Error(`feed position ${n} was taken and is gone`);
    return { outboxId: String(holder.outboxId), changedAt: String(holder.changedAt) };
  }

  async markPlaced(
    institution: string,
    holder: Pick<FeedRecord, 'outboxId' | 'changedAt'>,
    position: string,
  ): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.feedKey(institution, `${MARKER_PREFIX}${holder.outboxId}`),
            type: 'FEED_MARK',
            position,
            expiresAt: feedExpiry(holder.changedAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async advancePosition(institution: string, n: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.feedKey(institution, HEAD),
          UpdateExpression: 'SET #p = :n',
          ConditionExpression: 'attribute_not_exists(#p) OR #p < :n',
          ExpressionAttributeNames: { '#p': 'position' },
          ExpressionAttributeValues: { ':n': n },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // another relay raised it further
    }
  }

  async markRelayed(outboxId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `${OUTBOX_PREFIX}${outboxId}`, sk: 'OUTBOX' },
          UpdateExpression: 'REMOVE pending',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (e) {
      // An entry that expired meanwhile has nothing left to mark.
      if (!isConditionFailure(e)) throw e;
    }
  }

  async readFeed(
    institution: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ items: PlacedFeedRecord[]; more: boolean }> {
    // One more than asked tells whether another page follows (no empty last page). Positions all
    // have one length, so `after + '!'` is the smallest key after `after` (BETWEEN is inclusive);
    // the head and the marks sort before `SEQ#`. Strongly consistent: a position read means every
    // position below it is readable too.
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': `${FEED_PREFIX}${institution}`,
          ':from': after ? `${after}!` : FEED_SLOT_PREFIX,
          ':to': `${FEED_SLOT_PREFIX}~`,
        },
        Limit: limit + 1,
        ConsistentRead: true,
      }),
    );
    const items = (r.Items ?? []).map((i) => ({ ...feedRecordOf(i), position: String(i.sk) }));
    return { items: items.slice(0, limit), more: items.length > limit };
  }
}
