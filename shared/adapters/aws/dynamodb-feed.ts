import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { CHANGE_KEYS, TABLES } from '../../config/resources.js';
import { feedExpiry } from '../../config/retention.js';
import { feedSortKey, type FeedRecord, type OutboxEntry } from '../../domain/feed.js';
import type { ChangeFeedStore } from '../../ports/index.js';
import { isConditionFailure } from './errors.js';

/** The partition key prefixes of outbox entries and feeds (defined once, in resources.ts). */
export const OUTBOX_PREFIX = CHANGE_KEYS.outboxPrefix;
const FEED_PREFIX = CHANGE_KEYS.feedPrefix;

/** The value of the sparse `pending` attribute of an outbox entry not yet relayed. */
const PENDING = 'outbox';
const PENDING_INDEX = TABLES.changes.globalIndexes[0].name;

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
  };
}

/**
 * The change feed on DynamoDB. Feed items are put-if-absent under a key derived from the change
 * (institution + `<changedAt>#<outboxId>`), so a relay that runs twice writes each item once. The
 * student's pseudonym stays in the outbox entry; a feed item carries only the masked number.
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

  async putFeedItems(entry: OutboxEntry, institutions: readonly string[]): Promise<void> {
    const { pseudonym: _p, ...shown } = entry;
    await Promise.all(
      institutions.map(async (institution) => {
        try {
          await this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: {
                pk: `${FEED_PREFIX}${institution}`,
                sk: feedSortKey(entry),
                type: 'FEED',
                ...shown,
                expiresAt: feedExpiry(entry.changedAt),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (e) {
          if (!isConditionFailure(e)) throw e;
        }
      }),
    );
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
    upTo: string,
  ): Promise<{ items: FeedRecord[]; more: boolean }> {
    // One more than asked tells whether another page follows (no empty last page). Sort keys all
    // have one length, so `after + '!'` is the smallest key after `after` (BETWEEN is inclusive).
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: after
          ? 'pk = :pk AND sk BETWEEN :from AND :upTo'
          : 'pk = :pk AND sk <= :upTo',
        ExpressionAttributeValues: {
          ':pk': `${FEED_PREFIX}${institution}`,
          ':upTo': upTo,
          ...(after ? { ':from': `${after}!` } : {}),
        },
        Limit: limit + 1,
        ConsistentRead: true,
      }),
    );
    const items = (r.Items ?? []).map(feedRecordOf);
    return { items: items.slice(0, limit), more: items.length > limit };
  }
}
