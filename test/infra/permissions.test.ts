/**
 * Least privilege, function by function: each role's statements, read back from the template and
 * named by resource, equal exactly the rights the code uses (see infra/constructs/api-functions.ts
 * and audit-sealer.ts). Plus the properties that must hold for every role of the stack: the audit
 * trail is append-only, checkpoints cannot be deleted, the institution-facing function never
 * touches the extracts bucket. (Issue 4 proves these again by IAM simulation.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppFunction } from '../../infra/constructs/app-function.js';
import { TABLES, type TableName } from '../../shared/config/resources.js';
import {
  actions,
  arnOf,
  contains,
  ref,
  resourcesOf,
  synthesize,
  view,
  type Statement,
} from './stack-fixture.js';

const { stack, template } = synthesize();
const { resources, id, statementsOf, roles } = view(template);

const named: [string, string][] = [
  ...(Object.keys(TABLES) as TableName[]).map((t): [string, string] => [
    id(stack.storage.tables[t]),
    `${t} table`,
  ]),
  [id(stack.storage.bucket), 'extracts'],
  [id(stack.checkpoints.bucket), 'checkpoints'],
  [id(stack.storage.queue), 'intake queue'],
  [id(stack.storage.deadLetterQueue), 'intake dead letters'],
  [id(stack.storage.asyncFailures), 'async failures'],
  [id(stack.storage.webhookQueue), 'webhook queue'],
  [id(stack.storage.webhookDeadLetters), 'webhook dead letters'],
  [id(stack.keys.data), 'data key'],
  [id(stack.keys.hmac), 'hmac key'],
  [id(stack.keys.signing), 'signing key'],
  [id(stack.keys.receipts), 'receipt key'],
  [id(stack.keys.webhooks), 'webhook key'],
];
// The intake's event source mapping (the relay has one on the changes stream too).
const mapping = Object.entries(resources).find(
  ([, r]) =>
    r.Type === 'AWS::Lambda::EventSourceMapping' &&
    contains(r.Properties['FunctionName'], ref(id(stack.intake.function))),
)![0];
const changesStream = { 'Fn::GetAtt': [id(stack.storage.tables.changes), 'StreamArn'] };

/** A statement's resource as a readable name: `audit table`, `audit table/index/byDay`, `extracts/incoming/*`… */
function nameOf(resource: unknown): string {
  if (contains(resource, ref(mapping))) return 'intake event source mapping';
  if (contains(resource, changesStream)) return 'changes stream';
  for (const [logical, label] of named) {
    if (!contains(resource, arnOf(logical))) continue;
    const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    const suffix = join ? join[1].filter((p) => typeof p === 'string').join('') : '';
    return `${label}${suffix}`;
  }
  return JSON.stringify(resource);
}

/** `action on resource [via service]` for every statement of a function except its own logs and tracing. */
function grants(fn: AppFunction): string[] {
  const logGroup = id(fn.logGroup);
  return statementsOf(fn)
    .filter((s) => !contains(s.Resource, arnOf(logGroup)) && !actions(s).every((a) => a.startsWith('xray:')))
    .flatMap((s: Statement) => {
      const via = s.Condition?.['StringEquals']?.['kms:ViaService'];
      const use = s.Condition?.['StringEquals']?.['kms:EncryptionContext:use'];
      const prefix = s.Condition?.['StringLike']?.['s3:prefix'];
      const keys = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
      const like = s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      const suffix = like
        ? ` if key like ${JSON.stringify(like)}`
        : via
          ? ` via ${JSON.stringify(via).match(/"(s3|sqs)\./)?.[1]}`
          : prefix
            ? ` if prefix ${JSON.stringify(prefix)}`
            : keys
              ? ` if key ${JSON.stringify(keys)}`
              : use
                ? ` if context use ${JSON.stringify(use)}`
                : '';
      return actions(s).flatMap((a) =>
        resourcesOf(s).map((r) => `${s.Effect === 'Deny' ? 'DENY ' : ''}${a} on ${nameOf(r)}${suffix}`),
      );
    })
    .sort();
}

const EXPECTED: Record<string, string[]> = {
  clerk: [
    'dynamodb:GetItem on intake table',
    'dynamodb:PutItem on intake table',
    'dynamodb:Query on intake table/index/byUploader',
    'dynamodb:GetItem on control table',
    'dynamodb:PutItem on audit table',
    's3:PutObject on extracts/incoming/*',
    'kms:GenerateDataKey on data key via s3',
    // Receipts (issue 16): the decision's record by id (its time locates its checkpoint; the Merkle
    // tiles are read with the control-table GetItem above), the signed tree heads, the JWS signed
    // with the receipt key — the tree heads' key only for its public half, never Sign.
    'dynamodb:GetItem on audit table',
    's3:GetObject on checkpoints/checkpoints/*',
    's3:ListBucket on checkpoints',
    'kms:Decrypt on data key via s3',
    'kms:Sign on receipt key',
    'kms:GetPublicKey on receipt key',
    'kms:GetPublicKey on signing key',
  ],
  institution: [
    'dynamodb:GetItem on ledger table',
    'dynamodb:Query on ledger table',
    'dynamodb:PutItem on ledger table',
    'dynamodb:PutItem on audit table',
    'kms:GenerateMac on hmac key',
    // The change feed (issue 16): feed partitions only, never the outbox (pseudonyms); full
    // numbers for a purposeful read — ciphertexts made for the feed only, never names.
    'dynamodb:Query on changes table if key like ["FEED#*"]',
    'kms:Decrypt on data key if context use "feed-number"',
    // GET /v1/changes/webhook-key: the public half; its key policy lets only the delivery sign.
    'kms:GetPublicKey on webhook key',
  ],
  audit: [
    'dynamodb:PutItem on audit table',
    'dynamodb:Scan on audit table',
    // A record's time by id, to locate it for an inclusion proof (issue 14).
    'dynamodb:GetItem on audit table',
    'dynamodb:Query on audit table/index/byDay',
    'dynamodb:Query on audit table/index/bySubject',
    'dynamodb:Query on audit table/index/byActor',
    'dynamodb:Query on audit table/index/byInstitution',
    'dynamodb:GetItem on control table',
    'dynamodb:BatchGetItem on control table',
    // A period's total: the first cumulative day item at or after a day, on each side.
    'dynamodb:Query on control table/index/byCumulativeDay',
    'dynamodb:UpdateItem on control table if key ["audit-full-verification"]',
    'dynamodb:GetItem on ledger table',
    'dynamodb:Query on ledger table',
    'kms:GenerateMac on hmac key',
    'kms:Decrypt on data key',
    'kms:GetPublicKey on signing key',
    's3:GetObject on checkpoints/checkpoints/*',
    's3:ListBucket on checkpoints',
  ],
  admin: [
    'dynamodb:GetItem on control table',
    'dynamodb:PutItem on control table',
    'dynamodb:GetItem on intake table',
    'dynamodb:PutItem on intake table',
    'dynamodb:Query on intake table/index/byOpenState',
    'dynamodb:PutItem on ledger table',
    'dynamodb:UpdateItem on ledger table',
    'dynamodb:PutItem on audit table',
    'kms:GenerateMac on hmac key',
    'kms:GenerateDataKey on data key',
    'kms:Decrypt on data key via sqs',
    'sqs:SendMessage on intake queue',
    // The queue counts of the operator's screen, and the dead-letter redrive: a message move task
    // runs on the caller's rights (receive and delete on the DLQ, send to the queue it came from).
    'sqs:GetQueueAttributes on intake queue',
    ...['intake dead letters', 'webhook dead letters'].flatMap((dlq) =>
      [
        'GetQueueAttributes',
        'StartMessageMoveTask',
        'ListMessageMoveTasks',
        'ReceiveMessage',
        'DeleteMessage',
      ].map((a) => `sqs:${a} on ${dlq}`),
    ),
    'sqs:SendMessage on webhook queue',
    's3:GetObject on extracts/incoming/*',
    // The page image of a held scan, shown to the operator beside the values read.
    's3:GetObject on extracts/review/*',
    's3:GetObjectVersion on extracts/incoming/*',
    's3:PutObjectTagging on extracts/incoming/*',
    's3:PutObjectVersionTagging on extracts/incoming/*',
    's3:ListBucket on extracts',
    'lambda:UpdateEventSourceMapping on intake event source mapping',
  ],
  sealer: [
    'dynamodb:Scan on audit table',
    'dynamodb:Query on audit table/index/byDay',
    'dynamodb:GetItem on control table',
    // The per-day counters of the days a checkpoint touches, before and after counting it
    // (alert thresholds crossed, issue 16).
    'dynamodb:BatchGetItem on control table',
    'dynamodb:UpdateItem on control table',
    // The one-off backfill of the cumulative counters (totals, issue 15): those items only.
    'dynamodb:PutItem on control table if key like ["audit-total#*","audit-cum*"]',
    'dynamodb:BatchWriteItem on control table if key like ["audit-total#*","audit-cum*"]',
    'kms:Sign on signing key',
    'kms:GetPublicKey on signing key',
    's3:PutObject on checkpoints/checkpoints/*',
    's3:GetObject on checkpoints/checkpoints/*',
    's3:ListBucket on checkpoints',
    'kms:GenerateDataKey on data key via s3',
    'kms:Decrypt on data key via s3',
    // A failed scheduled run goes to the async-failure queue (SSE-KMS).
    'sqs:SendMessage on async failures',
    'kms:GenerateDataKey on data key via sqs',
    'kms:Decrypt on data key via sqs',
  ],
  // The change-feed relay: the student file (who sees the student), the outbox entry it is told
  // of and its pending mark, the feeds (positions, marks, hint); the stream; failed records to the
  // failure queue.
  'change-relay': [
    'dynamodb:Query on ledger table',
    'dynamodb:GetItem on changes table if key like ["OUT#*"]',
    'dynamodb:UpdateItem on changes table if key like ["OUT#*"]',
    'dynamodb:GetItem on changes table if key like ["FEED#*"]',
    'dynamodb:PutItem on changes table if key like ["FEED#*"]',
    'dynamodb:UpdateItem on changes table if key like ["FEED#*"]',
    'dynamodb:DescribeStream on changes stream',
    'dynamodb:GetRecords on changes stream',
    'dynamodb:GetShardIterator on changes stream',
    'dynamodb:ListStreams on changes stream',
    'sqs:SendMessage on async failures',
    'kms:GenerateDataKey on data key via sqs',
    'kms:Decrypt on data key via sqs',
    // A notification per new entry of an institution with a webhook (the same key via SQS).
    'sqs:SendMessage on webhook queue',
  ],
  // Webhook delivery: consume the webhook queue (the event source), sign with the webhook key.
  // No table, no bucket, and the dead-letter queue only through SQS's redrive.
  'webhook-deliver': [
    'sqs:ReceiveMessage on webhook queue',
    'sqs:ChangeMessageVisibility on webhook queue',
    'sqs:GetQueueUrl on webhook queue',
    'sqs:DeleteMessage on webhook queue',
    'sqs:GetQueueAttributes on webhook queue',
    'kms:Decrypt on data key',
    'kms:Sign on webhook key',
    'kms:GetPublicKey on webhook key',
  ],
  'ops-check': [
    'dynamodb:Query on intake table/index/byOpenState',
    'sqs:SendMessage on async failures',
    'kms:GenerateDataKey on data key via sqs',
    'kms:Decrypt on data key via sqs',
  ],
};

const functions: Record<string, AppFunction> = {
  ...stack.apiFunctions.byRouteFunction,
  sealer: stack.sealer,
  'ops-check': stack.opsCheck,
  'change-relay': stack.changeRelay,
  'webhook-deliver': stack.webhookDelivery,
};

describe('each function has exactly the rights its code uses', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(`${name}: ${expected.length} grants, nothing else`, () => {
      assert.deepEqual(grants(functions[name]!), [...expected].sort());
    });
  }

  test('every function writes only to its own log group and has no managed policy', () => {
    for (const fn of [...Object.values(functions), stack.intake]) {
      const logs = statementsOf(fn).filter((s) => actions(s).some((a) => a.startsWith('logs:')));
      assert.deepEqual(logs.flatMap(actions).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
      assert.deepEqual(logs.flatMap(resourcesOf), [arnOf(id(fn.logGroup))]);
      assert.equal(resources[id(fn.role)]!.Properties['ManagedPolicyArns'], undefined, fn.node.path);
    }
  });
});

describe('properties of every role', () => {
  const all = roles();
  const audit = id(stack.storage.tables.audit);
  const checkpoints = id(stack.checkpoints.bucket);
  const extracts = id(stack.storage.bucket);

  test('no role may update, delete or batch-write audit records (on the table or any index)', () => {
    for (const { id: roleId, statements } of all) {
      for (const s of statements.filter(
        (st) => st.Effect === 'Allow' && contains(st.Resource, arnOf(audit)),
      )) {
        const refused = actions(s).filter(
          (a) => /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL|\*)/.test(a) || a === '*',
        );
        assert.deepEqual(refused, [], `${roleId} may ${refused.join(', ')} on the audit table`);
      }
    }
    // And no statement reaches the audit table through a wildcard resource.
    for (const { id: roleId, statements } of all) {
      for (const s of statements.filter(
        (st) => st.Effect === 'Allow' && actions(st).some((a) => a.startsWith('dynamodb:')),
      )) {
        assert.ok(!resourcesOf(s).includes('*'), `${roleId}: DynamoDB actions on *`);
      }
    }
  });

  test('only PutItem and reads are granted on the audit table, by anyone', () => {
    const granted = new Set(
      all.flatMap(({ statements }) =>
        statements.filter((s) => s.Effect === 'Allow' && contains(s.Resource, arnOf(audit))).flatMap(actions),
      ),
    );
    assert.deepEqual([...granted].sort(), [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    ]);
  });

  test('the bind helper refuses to grant UpdateItem, DeleteItem or BatchWriteItem on the audit table', () => {
    const fn = stack.apiFunctions.audit;
    for (const a of ['UpdateItem', 'DeleteItem', 'BatchWriteItem'] as const) {
      assert.throws(() => fn.bindTable('audit', stack.storage.tables.audit, [a]), /append-only/);
    }
  });

  test('the bind helpers refuse an unknown index and a second, different value for a variable', () => {
    const fn = stack.apiFunctions.clerk;
    assert.throws(
      () => fn.bindTable('intake', stack.storage.tables.intake, [], { byDay: ['Query'] }),
      /no index byDay/,
    );
    assert.throws(() => fn.setEnv(TABLES.intake.env, 'another-table'), /already set to another value/);
  });

  test('no role may delete checkpoints or change their retention downwards (no delete, no governance bypass)', () => {
    for (const { id: roleId, statements } of all) {
      for (const s of statements.filter(
        (st) => st.Effect === 'Allow' && contains(st.Resource, arnOf(checkpoints)),
      )) {
        const refused = actions(s).filter((a) =>
          /^s3:(Delete|BypassGovernanceRetention|PutObjectLegalHold|PutBucket|\*)/.test(a),
        );
        assert.deepEqual(refused, [], `${roleId}: ${refused.join(', ')}`);
      }
    }
  });

  test('the institution function has no statement at all on the extracts bucket', () => {
    const statements = statementsOf(stack.apiFunctions.institution);
    assert.deepEqual(
      statements.filter(
        (s) =>
          contains(s.Resource, arnOf(extracts)) ||
          (resourcesOf(s).includes('*') && actions(s).some((a) => a.startsWith('s3:'))),
      ),
      [],
    );
  });

  test('only the intake function may delete extracts', () => {
    const deleters = all
      .filter(({ statements }) =>
        statements.some(
          (s) =>
            s.Effect === 'Allow' &&
            contains(s.Resource, arnOf(extracts)) &&
            actions(s).some((a) => a.startsWith('s3:DeleteObject')),
        ),
      )
      .map((r) => r.id);
    assert.deepEqual(deleters, [id(stack.intake.role)]);
  });

  test('only the functions that pseudonymise use the HMAC key; only the sealer signs tree heads and only the clerk API signs receipts, each with its own key', () => {
    const users = (key: string, action: string) =>
      all
        .filter(({ statements }) =>
          statements.some(
            (s) => s.Effect === 'Allow' && contains(s.Resource, arnOf(key)) && actions(s).includes(action),
          ),
        )
        .map((r) => r.id)
        .sort();
    const roleOf = (fn: AppFunction) => id(fn.role);
    const f = stack.apiFunctions;
    assert.deepEqual(
      users(id(stack.keys.hmac), 'kms:GenerateMac'),
      [stack.intake, f.institution, f.audit, f.admin].map(roleOf).sort(),
    );
    // The sealer alone signs tree heads; the clerk API signs receipts (issue 16) with a key of their
    // own, so it can never sign a tree head that a forged receipt's proof would need.
    assert.deepEqual(users(id(stack.keys.signing), 'kms:Sign'), [stack.sealer].map(roleOf));
    assert.deepEqual(users(id(stack.keys.receipts), 'kms:Sign'), [f.clerk].map(roleOf));
  });

  test('only the admin function may flip the intake event source mapping', () => {
    const flippers = all
      .filter(({ statements }) =>
        statements.some((s) => actions(s).includes('lambda:UpdateEventSourceMapping')),
      )
      .map((r) => r.id);
    assert.deepEqual(flippers, [id(stack.apiFunctions.admin.role)]);
  });

  test('no function role has a wildcard action, and only X-Ray is granted on every resource', () => {
    for (const fn of [...Object.values(functions), stack.intake]) {
      const statements = statementsOf(fn);
      assert.deepEqual(
        statements.flatMap(actions).filter((a) => a.includes('*')),
        [],
        fn.node.path,
      );
      const onEverything = statements.filter((s) => resourcesOf(s).includes('*')).flatMap(actions);
      assert.ok(
        onEverything.every((a) => a.startsWith('xray:')),
        `${fn.node.path}: ${onEverything.join(', ')}`,
      );
    }
  });
});
