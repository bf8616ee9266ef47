import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { LIMITS } from '../../config/resources.js';
import type { OutboxEntry } from '../../domain/feed.js';
import { outboxItem } from './dynamodb-feed.js';
import { isConditionFailure } from './errors.js';
import type {
  Enrolment,
  LedgerEntry,
  LedgerStore,
  OpeningImport,
  RulingClaim,
  Student,
  StudentFile,
} from '../../ports/index.js';

const studentKey = (pseudonym: string) => ({ pk: `S#${pseudonym}`, sk: 'PROFILE' });
const claimKey = (rulingNumber: string) => ({ pk: `RULING#${rulingNumber}`, sk: 'CLAIM' });
const entryKey = (e: Pick<LedgerEntry, 'pseudonym' | 'rulingNumber' | 'lineNumber'>) => ({
  pk: `S#${e.pseudonym}`,
  sk: `R#${e.rulingNumber}#${String(e.lineNumber).padStart(2, '0')}`,
});

/** Epoch seconds at which ledger data may expire (the protocol's 20-year retention). */
function retentionExpiry(now: Date): number {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() + LIMITS.ledgerRetentionYears);
  return Math.floor(d.getTime() / 1000);
}

function toStudent(item: Record<string, unknown>): Student {
  const rulings = item.appliedRulings;
  return {
    pseudonym: String(item.pseudonym),
    // balance = opening balance (140 or imported from DHO) + credits given back by rulings
    balance: Number(item.openingBalance) + Number(item.rulingCredits ?? 0),
    openingBalance: Number(item.openingBalance),
    ...(typeof item.identityTag === 'string' ? { identityTag: item.identityTag } : {}),
    ...(typeof item.nameCiphertext === 'string' ? { nameCiphertext: item.nameCiphertext } : {}),
    appliedRulings: rulings instanceof Set ? [...(rulings as Set<string>)].sort() : [],
  };
}

/** Where the ledger writes the outbox entry of a balance change (the change feed). */
export interface OutboxTarget {
  readonly table: string;
  /**
   * `transaction` (AWS): the balance change and the outbox entry in one TransactWriteItems.
   * `outbox-first` (dynalite, which has no transactions): the entry first, then the balance
   * change; the relay fans out only entries whose ruling the student item shows applied.
   */
  readonly mode: 'transaction' | 'outbox-first';
}

/** A cancelled transaction whose first action (the balance change) failed its condition. */
const balanceConditionFailed = (e: unknown): boolean =>
  (e as { name?: string })?.name === 'TransactionCanceledException' &&
  (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.[0]?.Code ===
    'ConditionalCheckFailed';

/**
 * The ledger on DynamoDB, written with single-item conditional writes — and one transaction, the
 * balance change with its outbox entry (see `applyRuling`):
 *  - the student item holds the credits given back and the set of applied ruling numbers, so "add the
 *    credits unless this ruling is in the set" is one atomic conditional update;
 *  - the ruling claim is a put-if-absent keyed by ruling number;
 *  - ledger entries are put-if-absent, so a retry never rewrites history.
 */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
    private readonly outbox?: OutboxTarget,
  ) {}

  async getStudent(pseudonym: string): Promise<Student | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: studentKey(pseudonym), ConsistentRead: true }),
    );
    return r.Item ? toStudent(r.Item) : undefined;
  }

  async ensureStudent(
    pseudonym: string,
    identityTag: string,
    nameCiphertext: () => Promise<string>,
  ): Promise<Student> {
    const existing = await this.getStudent(pseudonym);
    if (existing?.identityTag) return existing;
    const r = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: studentKey(pseudonym),
        UpdateExpression:
          'SET pseudonym = :p, identityTag = if_not_exists(identityTag, :t), nameCiphertext = if_not_exists(nameCiphertext, :n), ' +
          'openingBalance = if_not_exists(openingBalance, :start), rulingCredits = if_not_exists(rulingCredits, :zero), ' +
          'createdAt = if_not_exists(createdAt, :now), expiresAt = :exp',
        ExpressionAttributeValues: {
          ':p': pseudonym,
          ':t': identityTag,
          ':n': await nameCiphertext(),
          ':start': LIMITS.startingCredit,
          ':zero': 0,
          ':now': this.now().toISOString(),
          ':exp': retentionExpiry(this.now()),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toStudent(r.Attributes ?? {});
  }

  async claimRuling(
    claim: RulingClaim,
  ): Promise<{ claimed: true } | { claimed: false; existing: RulingClaim }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...claimKey(claim.rulingNumber), ...claim, expiresAt: retentionExpiry(this.now()) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { claimed: true };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: claimKey(claim.rulingNumber), ConsistentRead: true }),
    );
    const item = r.Item ?? {};
    return {
      claimed: false,
      existing: {
        rulingNumber: String(item.rulingNumber),
        contentHash: String(item.contentHash),
        pseudonym: String(item.pseudonym),
        intakeId: String(item.intakeId),
        claimedAt: String(item.claimedAt),
      },
    };
  }

  async putEntries(entries: readonly LedgerEntry[]): Promise<void> {
    await Promise.all(
      entries.map(async (e) => {
        try {
          await this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...entryKey(e), type: 'ENTRY', ...e, expiresAt: retentionExpiry(this.now()) },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
      }),
    );
  }

  async applyRuling(
    pseudonym: string,
    rulingNumber: string,
    delta: number,
    change?: OutboxEntry,
  ): Promise<'applied' | 'already-applied'> {
    const balance = {
      TableName: this.table,
      Key: studentKey(pseudonym),
      // The 20-year retention runs from the last change.
      UpdateExpression:
        'SET rulingCredits = rulingCredits + :d, updatedAt = :now, expiresAt = :exp ADD appliedRulings :r',
      ConditionExpression: 'attribute_exists(rulingCredits) AND NOT contains(appliedRulings, :rn)',
      ExpressionAttributeValues: {
        ':d': delta,
        ':r': new Set([rulingNumber]),
        ':rn': rulingNumber,
        ':now': this.now().toISOString(),
        ':exp': retentionExpiry(this.now()),
      },
    };
    const outbox = change && this.outbox;
    try {
      if (outbox && outbox.mode === 'transaction') {
        // Both or neither. The outbox put needs no condition of its own: the balance condition lets
        // this transaction succeed once per ruling and student, so the entry is written once.
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: balance },
              { Put: { TableName: outbox.table, Item: outboxItem(change) } },
            ],
          }),
        );
      } else {
        if (outbox) {
          // No transactions on the emulator: the entry first, put-if-absent (a retry keeps the
          // first). An entry whose balance change never lands is never relayed (the relay checks).
          try {
            await this.db.send(
              new PutCommand({
                TableName: outbox.table,
                Item: outboxItem(change),
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
          } catch (e) {
            if (!isConditionFailure(e)) throw e;
          }
        }
        await this.db.send(new UpdateCommand(balance));
      }
      return 'applied';
    } catch (e) {
      if (!isConditionFailure(e) && !balanceConditionFailed(e)) throw e;
      const student = await this.getStudent(pseudonym);
      if (!student)
        throw new Error('ledger: student vanished between identity check and balance write', { cause: e });
      return 'already-applied';
    }
  }

  async importOpening(
    pseudonym: string,
    values: OpeningImport,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const r = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: studentKey(pseudonym),
        UpdateExpression:
          'SET pseudonym = :p, openingBalance = :o, identityTag = :t, nameCiphertext = if_not_exists(nameCiphertext, :n), ' +
          'rulingCredits = if_not_exists(rulingCredits, :zero), createdAt = if_not_exists(createdAt, :now), ' +
          'updatedAt = :now, expiresAt = :exp',
        ExpressionAttributeValues: {
          ':p': pseudonym,
          ':o': values.openingBalance,
          ':t': values.identityTag,
          ':n': await values.nameCiphertext(),
          ':zero': 0,
          ':now': this.now().toISOString(),
          ':exp': retentionExpiry(this.now()),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = r.Attributes;
    if (!old) return 'created';
    return old.openingBalance === values.openingBalance && old.identityTag === values.identityTag
      ? 'unchanged'
      : 'updated';
  }

  async putEnrolment(e: Enrolment): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `S#${e.pseudonym}`,
            sk: `ENROL#${e.institution}#${e.academicYear}`,
            type: 'ENROLMENT',
            ...e,
            expiresAt: retentionExpiry(this.now()),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return 'exists';
    }
  }

  async listEnrolments(pseudonym: string): Promise<Enrolment[]> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': `S#${pseudonym}`, ':e': 'ENROL#' },
        ConsistentRead: true,
      }),
    );
    return (r.Items ?? []).map(({ pk: _pk, sk: _sk, type: _t, expiresAt: _e, ...rest }) => rest as Enrolment);
  }

  async readStudentFile(pseudonym: string): Promise<StudentFile> {
    const file: { student: Student | undefined; entries: LedgerEntry[]; enrolments: Enrolment[] } = {
      student: undefined,
      entries: [],
      enrolments: [],
    };
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `S#${pseudonym}` },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of r.Items ?? []) {
        const sk = String(item.sk);
        const { pk: _pk, sk: _sk, type: _t, expiresAt: _e, ...rest } = item;
        if (sk === studentKey(pseudonym).sk) file.student = toStudent(item);
        else if (sk.startsWith('R#')) file.entries.push(rest as LedgerEntry);
        else if (sk.startsWith('ENROL#')) file.enrolments.push(rest as Enrolment);
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return file;
  }

  async listEntries(pseudonym: string): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ExpressionAttributeValues: { ':pk': `S#${pseudonym}`, ':r': 'R#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of r.Items ?? []) {
        const { pk: _pk, sk: _sk, type: _t, expiresAt: _e, ...entry } = item;
        out.push(entry as LedgerEntry);
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
