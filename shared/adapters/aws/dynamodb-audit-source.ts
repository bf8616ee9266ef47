import {
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandOutput,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../config/resources.js';
import { auditExpiry } from '../../config/retention.js';
import { withoutIndexAttributes } from './audit-index.js';
import type { AuditSource, SweptRecord } from '../../ports/audit-seal.js';
import type { AuditRecord } from '../../ports/index.js';

/**
 * An attribute value as JavaScript, losing nothing a tamperer could hide behind: numbers that a
 * JS number cannot hold exactly stay as their decimal text (`{ $N: "…" }`) instead of throwing
 * or rounding, sets stay sets, binary stays bytes.
 */
function fromAttribute(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.M !== undefined) return fromItem(v.M);
  if (v.L !== undefined) return v.L.map(fromAttribute);
  if (v.SS !== undefined) return new Set(v.SS);
  if (v.NS !== undefined) return new Set(v.NS.map(number));
  if (v.B !== undefined) return v.B;
  if (v.BS !== undefined) return new Set(v.BS);
  return { $unknown: Object.keys(v) };
}

function number(text: string): unknown {
  const n = Number(text);
  return Number.isFinite(n) && String(n) === text ? n : { $N: text };
}

function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttribute(v);
  return out;
}

const safeExpiry = (at: string): number | undefined => {
  try {
    return auditExpiry(at);
  } catch {
    return undefined; // an `at` that is no timestamp: keep whatever expiry is stored
  }
};

/**
 * The stored record without its derived attributes (the index attributes and the `expiresAt`
 * TTL), each unless it disagrees with the record: then it stays, and the record's hash shows it.
 */
function asStored(item: Record<string, AttributeValue>): AuditRecord {
  const { expiresAt, ...rest } = withoutIndexAttributes(fromItem(item));
  const at = rest.at;
  const keepExpiry = !(expiresAt === undefined || (typeof at === 'string' && expiresAt === safeExpiry(at)));
  return { ...rest, ...(keepExpiry ? { expiresAt } : {}) } as unknown as AuditRecord;
}

function* days(after: string, upTo: string): Generator<string> {
  const end = upTo.slice(0, 10);
  const d = new Date(`${after.slice(0, 10)}T00:00:00.000Z`);
  for (let day = d.toISOString().slice(0, 10); day <= end; day = d.toISOString().slice(0, 10)) {
    yield day;
    d.setUTCDate(d.getUTCDate() + 1);
  }
}

/**
 * Reads the audit table item by item for the sealer and the verifier (raw attribute values, not
 * reshaped: an edited, added or retyped attribute shows as a changed hash).
 */
export class DynamoAuditSource implements AuditSource {
  private readonly client: DynamoDBClient;

  constructor(
    /** A document client works too: low-level commands go through its (shared) middleware stack. */
    client: DynamoDBClient | DynamoDBDocumentClient,
    private readonly table: string,
    private readonly index: string = TABLES.audit.globalIndexes[0].name,
  ) {
    this.client = client as DynamoDBClient;
  }

  async *all(): AsyncIterable<AuditRecord> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r: ScanCommandOutput = await this.client.send(
        new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of r.Items ?? []) yield asStored(item);
      start = r.LastEvaluatedKey;
    } while (start);
  }

  /** One record by id, as stored (a consistent GetItem: a proof or a receipt reads its time). */
  async get(id: string): Promise<AuditRecord | undefined> {
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    return r.Item ? asStored(r.Item) : undefined;
  }

  /** Through the byDay index, one day partition at a time: after < at ≤ upTo. */
  async *between(after: string, upTo: string): AsyncIterable<AuditRecord> {
    if (!(after < upTo)) return;
    for (const day of days(after, upTo)) {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const r: QueryCommandOutput = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: this.index,
            KeyConditionExpression: '#d = :d AND #at BETWEEN :after AND :upTo',
            ExpressionAttributeNames: { '#d': 'day', '#at': 'at' },
            ExpressionAttributeValues: { ':d': { S: day }, ':after': { S: after }, ':upTo': { S: upTo } },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of r.Items ?? []) {
          const record = asStored(item);
          if (typeof record.at === 'string' && record.at > after) yield record;
        }
        start = r.LastEvaluatedKey;
      } while (start);
    }
  }

  /** One segment of a parallel Scan, only id, at and day (the full verification's sweep). */
  async *slice(index: number, slices: number): AsyncIterable<SweptRecord> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r: ScanCommandOutput = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          Segment: index,
          TotalSegments: slices,
          ProjectionExpression: '#id, #at, #day',
          ExpressionAttributeNames: { '#id': 'id', '#at': 'at', '#day': 'day' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of r.Items ?? []) {
        const { id, at, day } = item;
        yield {
          id: id ? fromAttribute(id) : undefined,
          at: at ? fromAttribute(at) : undefined,
          day: day ? fromAttribute(day) : undefined,
        };
      }
      start = r.LastEvaluatedKey;
    } while (start);
  }
}
