/**
 * The AWS side of the transactional outbox, which dynalite cannot run (it has no transactions):
 * `DynamoLedgerStore.applyRuling` against a recording client that models TransactWriteItems'
 * all-or-nothing rule and its cancellation reasons. The balance change and the outbox entry go out
 * in ONE transaction; a retry after the change landed is "already applied" and writes no second
 * entry; any other failure is not mistaken for one. Locally (outbox-first) the entry goes first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoLedgerStore } from '../../shared/adapters/aws/dynamodb-ledger.js';
import { outboxId, type OutboxEntry } from '../../shared/domain/feed.js';

type Cmd = { constructor: { name: string }; input: Record<string, unknown> };
type TxItem = {
  Update?: Record<string, unknown>;
  Put?: { TableName: string; Item: Record<string, unknown> };
};

/** A ledger table (one student) and a changes table, with TransactWriteItems' all-or-nothing rule. */
function fakeDynamo(options: { failWith?: Error } = {}) {
  const applied = new Set<string>();
  let credits = 0;
  const outbox = new Map<string, Record<string, unknown>>();
  const sent: Cmd[] = [];
  const cancelled = () =>
    Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
    });
  const db = {
    async send(cmd: Cmd) {
      sent.push(cmd);
      const input = cmd.input;
      switch (cmd.constructor.name) {
        case 'TransactWriteCommand': {
          if (options.failWith) throw options.failWith;
          const [update, put] = input.TransactItems as TxItem[];
          const values = update!.Update!.ExpressionAttributeValues as Record<string, unknown>;
          const ruling = String(values[':rn']);
          if (applied.has(ruling)) throw cancelled(); // the balance condition: nothing is written
          applied.add(ruling);
          credits += Number(values[':d']);
          outbox.set(String(put!.Put!.Item.pk), put!.Put!.Item);
          return {};
        }
        case 'GetCommand':
          return {
            Item: {
              pk: 'S#p1',
              sk: 'PROFILE',
              pseudonym: 'p1',
              openingBalance: 140,
              rulingCredits: credits,
              appliedRulings: new Set(applied),
            },
          };
        case 'PutCommand': {
          const item = input.Item as Record<string, unknown>;
          if (outbox.has(String(item.pk)))
            throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
          outbox.set(String(item.pk), item);
          return {};
        }
        case 'UpdateCommand': {
          const values = input.ExpressionAttributeValues as Record<string, unknown>;
          const ruling = String(values[':rn']);
          if (applied.has(ruling))
            throw Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
          applied.add(ruling);
          credits += Number(values[':d']);
          return {};
        }
        default:
          throw new Error(`unexpected ${cmd.constructor.name}`);
      }
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, sent, outbox, balance: () => 140 + credits };
}

const change: OutboxEntry = {
  outboxId: outboxId('9412', 'p1'),
  pseudonym: 'p1',
  rulingNumber: '9412',
  nationalNumber: '85.07.30-xxx.28',
  lines: [{ academicYear: '2023-2024', credits: 39 }],
  delta: 39,
  changedAt: '2026-03-01T10:00:00.000Z',
};

describe('the ledger writes the change and its outbox entry together', () => {
  it('on AWS: one TransactWriteItems holding the conditional balance update and the outbox put', async () => {
    const aws = fakeDynamo();
    const ledger = new DynamoLedgerStore(aws.db, 'Ledger', undefined, {
      table: 'Changes',
      mode: 'transaction',
    });
    assert.equal(await ledger.applyRuling('p1', '9412', 39, change), 'applied');
    assert.deepEqual(
      aws.sent.map((c) => c.constructor.name),
      ['TransactWriteCommand'],
    );
    const [update, put] = aws.sent[0]!.input.TransactItems as TxItem[];
    assert.equal(update!.Update!.TableName, 'Ledger');
    assert.match(String(update!.Update!.ConditionExpression), /NOT contains\(appliedRulings, :rn\)/);
    assert.equal(put!.Put!.TableName, 'Changes');
    assert.equal(put!.Put!.Item.pk, `OUT#${change.outboxId}`);
    assert.equal(put!.Put!.Item.pending, 'outbox', 'pending until relayed');
    assert.equal(typeof put!.Put!.Item.expiresAt, 'number');
    assert.equal(aws.balance(), 179);
  });

  it('a retry after the change landed is "already applied": no second balance change, no second entry', async () => {
    const aws = fakeDynamo();
    const ledger = new DynamoLedgerStore(aws.db, 'Ledger', undefined, {
      table: 'Changes',
      mode: 'transaction',
    });
    await ledger.applyRuling('p1', '9412', 39, change);
    const retry = { ...change, changedAt: '2026-03-01T10:05:00.000Z' };
    assert.equal(await ledger.applyRuling('p1', '9412', 39, retry), 'already-applied');
    assert.equal(aws.balance(), 179);
    assert.equal(aws.outbox.size, 1);
    assert.equal(aws.outbox.get(`OUT#${change.outboxId}`)!.changedAt, change.changedAt);
  });

  it('any other failure of the transaction is thrown (retried by the queue), never taken for "already applied"', async () => {
    const aws = fakeDynamo({
      failWith: Object.assign(new Error('throttled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
      }),
    });
    const ledger = new DynamoLedgerStore(aws.db, 'Ledger', undefined, {
      table: 'Changes',
      mode: 'transaction',
    });
    await assert.rejects(ledger.applyRuling('p1', '9412', 39, change), /throttled/);
  });

  it('on the emulator (outbox-first): the entry put-if-absent, then the balance update', async () => {
    const local = fakeDynamo();
    const ledger = new DynamoLedgerStore(local.db, 'Ledger', undefined, {
      table: 'Changes',
      mode: 'outbox-first',
    });
    assert.equal(await ledger.applyRuling('p1', '9412', 39, change), 'applied');
    assert.equal(await ledger.applyRuling('p1', '9412', 39, change), 'already-applied');
    assert.deepEqual(
      local.sent.map((c) => c.constructor.name),
      ['PutCommand', 'UpdateCommand', 'PutCommand', 'UpdateCommand', 'GetCommand'],
    );
    assert.equal(
      (local.sent[0]!.input as { ConditionExpression?: string }).ConditionExpression,
      'attribute_not_exists(pk)',
    );
    assert.equal(local.outbox.size, 1);
    assert.equal(local.balance(), 179);
  });

  it('without an outbox target (the admin and API functions) only the balance is written', async () => {
    const plain = fakeDynamo();
    const ledger = new DynamoLedgerStore(plain.db, 'Ledger');
    assert.equal(await ledger.applyRuling('p1', '9412', 39, change), 'applied');
    assert.deepEqual(
      plain.sent.map((c) => c.constructor.name),
      ['UpdateCommand'],
    );
  });
});
