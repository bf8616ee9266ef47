/**
 * Retention by design: audit records and intake statuses are written with the TTL attribute of
 * their table (config/retention.ts), at least as far out as the ledger's, and the readers hand
 * back the records without it (an audit record's hash is unchanged; a changed expiry shows).
 */
import assert from 'node:assert/strict';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, test } from 'node:test';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoAuditLog, DynamoIntakeStatusStore } from '../../shared/adapters/aws/dynamodb-records.js';
import { LIMITS, TABLES } from '../../shared/config/resources.js';
import { RETENTION_YEARS, auditExpiry, expiryAfter, intakeExpiry } from '../../shared/config/retention.js';
import type { AuditRecord, IntakeStatus } from '../../shared/ports/index.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' }));
const mock = mockClient(doc);
const record = {
  id: 'a1',
  at: '2026-03-01T10:00:00.000Z',
  actor: { id: 'auditor-1', role: 'auditor' },
  action: 'READ',
} as unknown as AuditRecord;
const status = {
  intakeId: 'i1',
  uploader: 'clerk',
  key: 'incoming/clerk/i1.pdf',
  receivedAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:00:00.000Z',
  status: 'RECEIVED',
} as IntakeStatus;

describe('retention', () => {
  test('the audit and intake tables expire items on a TTL attribute; audit and statuses are kept at least as long as the ledger', () => {
    assert.equal(TABLES.audit.ttlAttribute, 'expiresAt');
    assert.equal(TABLES.intake.ttlAttribute, 'expiresAt');
    assert.ok(RETENTION_YEARS.audit >= LIMITS.ledgerRetentionYears);
    assert.ok(RETENTION_YEARS.intake >= LIMITS.ledgerRetentionYears);
    assert.equal(expiryAfter('2026-03-01T10:00:00.000Z', 20), Date.UTC(2046, 2, 1, 10) / 1000);
  });

  test('an audit record is written with its expiry, and read back without it', async () => {
    mock.reset();
    mock.on(PutCommand).resolves({});
    await new DynamoAuditLog(doc, 'audit').append(record);
    const item = mock.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    assert.equal(item['expiresAt'], auditExpiry(record.at));
    mock.on(ScanCommand).resolves({ Items: [item] });
    assert.deepEqual(await new DynamoAuditLog(doc, 'audit').list(), [record]);
  });

  test('every intake status written (received and later outcomes) carries its expiry; reads drop it', async () => {
    mock.reset();
    mock.on(PutCommand).resolves({});
    const store = new DynamoIntakeStatusStore(doc, 'intake');
    await store.received(status);
    await store.put({ ...status, status: 'APPLIED' });
    for (const call of mock.commandCalls(PutCommand)) {
      assert.equal(call.args[0].input.Item!['expiresAt'], intakeExpiry(status.receivedAt));
    }
    mock.on(GetCommand).resolves({ Item: { ...status, expiresAt: intakeExpiry(status.receivedAt) } });
    assert.deepEqual(await store.get('i1'), status);
    mock.on(ScanCommand).resolves({ Items: [{ ...status, expiresAt: 1 }] });
    assert.deepEqual(await store.list(), [status]);
  });
});
