import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../config/resources.js';
import { isConditionFailure } from './errors.js';
import type {
  AuditLog,
  AuditRecord,
  IntakeControl,
  IntakeStatus,
  IntakeStatusStore,
} from '../../ports/index.js';

/** The append-only audit table: put-if-absent, never update, never delete. */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(record: AuditRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...record, day: record.at.slice(0, 10) },
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
      .map(({ day: _d, ...rest }) => rest as unknown as AuditRecord)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1))
      .slice(0, options.limit);
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
    return r.Item as IntakeStatus | undefined;
  }

  async received(status: IntakeStatus): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: status,
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
          Item: status,
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
    await this.db.send(new PutCommand({ TableName: this.table, Item: status }));
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
    return (items as unknown as IntakeStatus[])
      .sort((a, b) =>
        a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.intakeId < b.intakeId ? 1 : -1,
      )
      .slice(0, options.limit);
  }
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
