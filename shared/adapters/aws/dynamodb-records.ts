import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../config/resources.js';
import { auditExpiry, intakeExpiry } from '../../config/retention.js';
import { detailsProblem } from '../../domain/audit-details.js';
import { isConditionFailure } from './errors.js';
import { decodeCursor, encodeCursor, indexAttributes, withoutIndexAttributes } from './audit-index.js';
import {
  InvalidCursorError,
  OPEN_STATES,
  type AuditFilter,
  type AuditLog,
  type AuditPageRequest,
  type AuditRecord,
  type AuditRecordPage,
  type IntakeControl,
  type IntakeStatus,
  type IntakeStatusStore,
  type OpenState,
} from '../../ports/index.js';

type Item = Record<string, unknown>;

/** An index of `TABLES`, by name (so a renamed index fails the type-check here). */
function indexOf<T extends 'audit' | 'intake'>(table: T, name: string) {
  const found = (
    TABLES[table].globalIndexes as readonly {
      name: string;
      partitionKey: { name: string };
      sortKey?: { name: string };
    }[]
  ).find((i) => i.name === name);
  if (!found?.sortKey) throw new Error(`no index ${name} on ${table}`);
  return { name: found.name, pk: found.partitionKey.name, sk: found.sortKey.name };
}

/** The next day back (`YYYY-MM-DD`, UTC). */
function dayBefore(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** Days walked at most per page of the unfiltered list (a long quiet period costs several calls, each bounded). */
export const MAX_DAYS_PER_PAGE = 62;

interface PartitionPage {
  readonly items: Item[];
  /** The key of the last item returned, when more may follow in this partition. */
  readonly lastKey?: Record<string, string>;
}

interface PartitionQuery {
  readonly table: string;
  /** The table's own key attributes (part of every index key). */
  readonly tableKey: readonly string[];
  readonly index: { readonly name: string; readonly pk: string; readonly sk: string };
  readonly pkValue: string;
  /** Inclusive sort-key range. */
  readonly lo: string;
  readonly hi: string;
  readonly filter?: Filter;
  /** Ascending sort key (default: descending, newest first). */
  readonly forward?: boolean;
}

interface Filter {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/**
 * Reads up to `limit` items of one index partition, starting after `start`: each request asks for
 * what is missing plus one, so a page costs about its size (plus the items a filter drops), never
 * the partition. `lastKey` (the last returned item's index key) is the resume point.
 */
async function readPartition(
  db: DynamoDBDocumentClient,
  q: PartitionQuery,
  limit: number,
  start: Record<string, string> | undefined,
): Promise<PartitionPage> {
  const items: Item[] = [];
  const keyOf = (item: Item): Record<string, string> => {
    const key: Record<string, string> = {};
    for (const a of new Set([...q.tableKey, q.index.pk, q.index.sk])) key[a] = String(item[a]);
    return key;
  };
  let exclusiveStart: Record<string, unknown> | undefined = start;
  for (;;) {
    const r = await db.send(
      new QueryCommand({
        TableName: q.table,
        IndexName: q.index.name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ...(q.filter ? { FilterExpression: q.filter.expression } : {}),
        ExpressionAttributeNames: { '#pk': q.index.pk, '#sk': q.index.sk, ...q.filter?.names },
        ExpressionAttributeValues: { ':pk': q.pkValue, ':lo': q.lo, ':hi': q.hi, ...q.filter?.values },
        ScanIndexForward: q.forward ?? false,
        Limit: limit - items.length + 1,
        ExclusiveStartKey: exclusiveStart,
      }),
    );
    for (const item of r.Items ?? []) {
      if (items.length === limit) return { items, lastKey: keyOf(items.at(-1)!) };
      items.push(item);
    }
    if (!r.LastEvaluatedKey) return { items };
    if (items.length === limit) return { items, lastKey: keyOf(items.at(-1)!) };
    exclusiveStart = r.LastEvaluatedKey;
  }
}

/** The residual conditions of an audit filter, on whatever index is read. */
function auditFilter(
  filter: AuditFilter,
  skip: 'subject' | 'actorId' | 'institution' | 'none',
): Filter | undefined {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.actorId !== undefined && skip !== 'actorId') {
    parts.push('#actor.#actorId = :actorId');
    Object.assign(names, { '#actor': 'actor', '#actorId': 'id' });
    values[':actorId'] = filter.actorId;
  }
  if (filter.institution !== undefined && skip !== 'institution') {
    parts.push('#actor.#inst = :inst');
    Object.assign(names, { '#actor': 'actor', '#inst': 'institution' });
    values[':inst'] = filter.institution;
  }
  if (filter.action !== undefined) {
    parts.push('(#action = :action OR begins_with(#action, :actionPrefix))');
    names['#action'] = 'action';
    Object.assign(values, { ':action': filter.action, ':actionPrefix': `${filter.action}.` });
  }
  if (filter.outcome !== undefined) {
    parts.push('(#outcome = :outcome OR begins_with(#outcome, :outcomePrefix))');
    names['#outcome'] = 'outcome';
    Object.assign(values, { ':outcome': filter.outcome, ':outcomePrefix': `${filter.outcome}:` });
  }
  return parts.length ? { expression: parts.join(' AND '), names, values } : undefined;
}

const LAST_INSTANT = '9999-12-31T23:59:59.999Z';

/** The append-only audit table: put-if-absent, never update, never delete. */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(record: AuditRecord): Promise<void> {
    // A fixed schema per action: nothing free-form (nothing a caller typed) reaches the trail.
    const problem = detailsProblem(record.action, record.details);
    if (problem) throw new TypeError(`audit record ${record.id} refused: ${problem}`);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...record, ...indexAttributes(record), expiresAt: auditExpiry(record.at) },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // already appended by an earlier delivery
    }
  }

  async list(options: { day?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = options.day
        ? await this.db.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: TABLES.audit.globalIndexes[0].name,
              KeyConditionExpression: '#d = :d',
              ExpressionAttributeNames: { '#d': 'day' },
              ExpressionAttributeValues: { ':d': options.day },
              ExclusiveStartKey: start,
            }),
          )
        : await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }));
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start && (!options.limit || items.length < options.limit));
    return items
      .map((item) => withoutIndexAttributes(withoutExpiry(item)) as unknown as AuditRecord)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1))
      .slice(0, options.limit);
  }

  async query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditRecordPage> {
    const lo = filter.from ?? '0';
    const hi = filter.to ?? LAST_INSTANT;
    const out = (items: readonly Item[]) =>
      items.map((i) => withoutIndexAttributes(withoutExpiry(i)) as unknown as AuditRecord);
    const keyed =
      filter.subject !== undefined
        ? { index: 'bySubject', value: filter.subject, skip: 'subject' as const }
        : filter.actorId !== undefined
          ? { index: 'byActor', value: filter.actorId, skip: 'actorId' as const }
          : filter.institution !== undefined
            ? { index: 'byInstitution', value: filter.institution, skip: 'institution' as const }
            : undefined;
    if (keyed) {
      const index = indexOf('audit', keyed.index);
      const cursor = page.next
        ? decodeCursor(page.next, index.name, ['id', index.pk, index.sk], {
            name: index.pk,
            value: keyed.value,
          })
        : undefined;
      if (page.next && (!cursor?.k || cursor.d !== undefined)) throw new InvalidCursorError('bad key');
      const filterPart = auditFilter(filter, keyed.skip);
      const r = await readPartition(
        this.db,
        {
          table: this.table,
          tableKey: ['id'],
          index,
          pkValue: keyed.value,
          lo,
          hi: `${hi}#\uffff`,
          ...(filterPart ? { filter: filterPart } : {}),
        },
        page.limit,
        cursor?.k,
      );
      return {
        items: out(r.items),
        ...(r.lastKey ? { next: encodeCursor({ i: index.name, k: r.lastKey }) } : {}),
      };
    }
    // No key to look up by: walk the day index back, newest day first.
    const index = indexOf('audit', 'byDay');
    const cursor = page.next ? decodeCursor(page.next, index.name, ['id', index.pk, index.sk]) : undefined;
    if (cursor && (cursor.d === undefined || (cursor.k && cursor.k.day !== cursor.d)))
      throw new InvalidCursorError('bad day');
    const newest =
      filter.to && filter.to.slice(0, 10) < page.newestDay ? filter.to.slice(0, 10) : page.newestDay;
    const oldest =
      filter.from && filter.from.slice(0, 10) > page.oldestDay ? filter.from.slice(0, 10) : page.oldestDay;
    const filterPart = auditFilter(filter, 'none');
    const items: Item[] = [];
    let day = cursor?.d ?? newest;
    let start = cursor?.k;
    for (let walked = 0; day >= oldest; walked++) {
      if (walked === MAX_DAYS_PER_PAGE)
        return { items: out(items), next: encodeCursor({ i: index.name, d: day }) };
      const r = await readPartition(
        this.db,
        {
          table: this.table,
          tableKey: ['id'],
          index,
          pkValue: day,
          lo,
          hi,
          ...(filterPart ? { filter: filterPart } : {}),
        },
        page.limit - items.length,
        start,
      );
      items.push(...r.items);
      if (r.lastKey)
        return { items: out(items), next: encodeCursor({ i: index.name, d: day, k: r.lastKey }) };
      start = undefined;
      day = dayBefore(day);
      if (items.length === page.limit)
        return {
          items: out(items),
          ...(day >= oldest ? { next: encodeCursor({ i: index.name, d: day }) } : {}),
        };
    }
    return { items: out(items) };
  }
}

export class DynamoIntakeStatusStore implements IntakeStatusStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(intakeId: string): Promise<IntakeStatus | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { intakeId }, ConsistentRead: true }),
    );
    return r.Item ? (withoutExpiry(r.Item) as unknown as IntakeStatus) : undefined;
  }

  async received(status: IntakeStatus): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: withOpenState(status),
          ConditionExpression: 'attribute_not_exists(intakeId)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async bind(status: IntakeStatus): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          // Still open (RECEIVED): it stays in the open index (stalled check, resume) and expires.
          Item: withOpenState(status),
          ConditionExpression: 'attribute_not_exists(boundAt)',
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async put(status: IntakeStatus): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: withOpenState(status) }));
  }

  async page(
    selection: { readonly uploader: string } | { readonly state: OpenState },
    page: { readonly limit: number; readonly next?: string },
  ): Promise<{ items: IntakeStatus[]; next?: string }> {
    const byUploader = 'uploader' in selection;
    const index = indexOf('intake', byUploader ? 'byUploader' : 'byOpenState');
    const pkValue = byUploader ? selection.uploader : selection.state;
    const cursor = page.next
      ? decodeCursor(page.next, index.name, ['intakeId', index.pk, index.sk], {
          name: index.pk,
          value: pkValue,
        })
      : undefined;
    if (page.next && (!cursor?.k || cursor.d !== undefined)) throw new InvalidCursorError('bad key');
    const r = await readPartition(
      this.db,
      {
        table: this.table,
        tableKey: ['intakeId'],
        index,
        pkValue,
        lo: '0',
        hi: LAST_INSTANT,
        // The clerk sees the newest first; open items are worked oldest first.
        forward: !byUploader,
      },
      page.limit,
      cursor?.k,
    );
    return {
      items: r.items.map(({ openState: _o, expiresAt: _e, ...s }) => s as unknown as IntakeStatus),
      ...(r.lastKey ? { next: encodeCursor({ i: index.name, k: r.lastKey }) } : {}),
    };
  }

  async list(options: { uploader?: string; limit?: number } = {}): Promise<IntakeStatus[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = options.uploader
        ? await this.db.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: TABLES.intake.globalIndexes[0].name,
              KeyConditionExpression: 'uploader = :u',
              ExpressionAttributeValues: { ':u': options.uploader },
              ScanIndexForward: false,
              ExclusiveStartKey: start,
            }),
          )
        : await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }));
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start && (!options.limit || items.length < options.limit));
    return items
      .map(({ openState: _o, expiresAt: _e, ...s }) => s as unknown as IntakeStatus)
      .sort((a, b) =>
        a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.intakeId < b.intakeId ? 1 : -1,
      )
      .slice(0, options.limit);
  }
}

/** The status as stored: `openState` (the sparse index's key) only while the status is open. */
function withOpenState(status: IntakeStatus): Item {
  const { openState: _stale, ...rest } = status as IntakeStatus & { openState?: unknown };
  // Statuses expire with the ledger retention (config/retention.ts): the TTL attribute.
  const stored = { ...rest, expiresAt: intakeExpiry(status.receivedAt) };
  return (OPEN_STATES as readonly string[]).includes(status.status)
    ? { ...stored, openState: status.status }
    : stored;
}

/** An item without its TTL attribute (written by the adapters, never part of a record). */
function withoutExpiry({ expiresAt: _e, ...rest }: Item): Item {
  return rest;
}

/** The pause switch as an item of the control table; the queue consumer reads it. */
export class DynamoIntakeControl implements IntakeControl {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly onChange?: (paused: boolean) => Promise<void>,
  ) {}

  async isPaused(): Promise<boolean> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: 'intake' }, ConsistentRead: true }),
    );
    return r.Item?.state === 'paused';
  }

  async setPaused(paused: boolean, by: string): Promise<void> {
    await this.onChange?.(paused);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: 'intake', state: paused ? 'paused' : 'running', by, at: new Date().toISOString() },
      }),
    );
  }
}
