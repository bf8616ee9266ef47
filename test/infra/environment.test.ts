/**
 * Each function's environment holds what its code needs: the names are checked against the
 * variables of resources.ts, and the real wiring code (shared/adapters/compose*.ts, the token
 * verifier) is run in-process against each function's environment as deployed — values resolved
 * to plausible deploy-time strings — so a variable the code reads and the stack forgets fails here.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { AppFunction } from '../../infra/constructs/app-function.js';
import { ALERT_THRESHOLD_ENV } from '../../shared/domain/audit-alerts.js';
import { TokenVerifier } from '../../shared/auth/verify.js';
import {
  adminPorts,
  auditorPorts,
  clerkPorts,
  institutionPorts,
  relayPorts,
  resetComposition,
} from '../../shared/composition/compose.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { auditSealPorts, resetAuditComposition } from '../../shared/composition/compose-audit.js';
import { receiptPorts } from '../../shared/composition/compose-receipt.js';
import {
  relayPortsWithWebhooks,
  resetWebhookComposition,
  webhookDeliveryPorts,
  webhookSigner,
} from '../../shared/composition/compose-webhooks.js';
import {
  AUDIT_CHECKPOINTS,
  ENV,
  EXTRACTS_BUCKET,
  KEYS,
  LIMITS,
  SERVICE_NAME,
  TABLES,
} from '../../shared/config/resources.js';
import { bundleSpecFor } from '../../infra/bundling.js';
import { INTAKE_MAX_CONCURRENCY } from '../../infra/constructs/intake-function.js';
import { arnOf, contains, ref, resolveValue, synthesize, view } from './stack-fixture.js';

const { stack, template } = synthesize();
const { resources, id, envOf, propsOf } = view(template);

const COMMON = [
  ENV.serviceName,
  ENV.environment,
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_LOG_EVENT',
  'NODE_OPTIONS',
];
const AUTH = [ENV.authIssuer, ENV.authAudience, ENV.authJwksUrl, ENV.authClientInstitutions];
const API = [...COMMON, ...AUTH];

/** The auditors' alert thresholds, set where the alerts are computed. */
const ALERTS = Object.values(ALERT_THRESHOLD_ENV);

const EXPECTED: [string, AppFunction, string[]][] = [
  [
    'intake',
    stack.intake,
    [
      ...COMMON,
      EXTRACTS_BUCKET.env,
      TABLES.ledger.env,
      // The change's outbox entry, written with the balance change (issue 16).
      TABLES.changes.env,
      TABLES.intake.env,
      TABLES.control.env,
      TABLES.audit.env,
      KEYS.data.env,
      KEYS.hmac.env,
      ENV.signaturePolicy,
    ],
  ],
  // The API functions are told of exactly the resources they are granted (no wiring-only names).
  [
    'clerk',
    stack.apiFunctions.clerk,
    [
      ...API,
      TABLES.intake.env,
      // The pause switch: a paused upload shows as waiting.
      TABLES.control.env,
      TABLES.audit.env,
      EXTRACTS_BUCKET.env,
      KEYS.data.env,
      // Receipts (issue 16): signed with the receipt key; the tree heads' key for its public half.
      KEYS.receipts.env,
      KEYS.signing.env,
      AUDIT_CHECKPOINTS.env,
    ],
  ],
  [
    'institution',
    stack.apiFunctions.institution,
    // The change feed (issue 16): the changes table, the data key for its full numbers, the
    // webhook key for its public half.
    [
      ...API,
      TABLES.ledger.env,
      TABLES.audit.env,
      KEYS.hmac.env,
      TABLES.changes.env,
      KEYS.data.env,
      KEYS.webhooks.env,
    ],
  ],
  [
    'audit',
    stack.apiFunctions.audit,
    [
      ...API,
      TABLES.audit.env,
      TABLES.control.env,
      TABLES.ledger.env,
      KEYS.hmac.env,
      KEYS.data.env,
      KEYS.signing.env,
      AUDIT_CHECKPOINTS.env,
      // The auditors' alert thresholds (GET /v1/audit/alerts).
      ...ALERTS,
    ],
  ],
  [
    'admin',
    stack.apiFunctions.admin,
    [
      ...API,
      TABLES.control.env,
      TABLES.intake.env,
      TABLES.ledger.env,
      TABLES.audit.env,
      KEYS.hmac.env,
      KEYS.data.env,
      ENV.intakeQueueUrl,
      // The dead-letter queues the operator counts and redrives (not the webhook queue they go back to).
      ENV.intakeDeadLettersUrl,
      ENV.webhookDeadLettersUrl,
      EXTRACTS_BUCKET.env,
      ENV.intakeMappingUuid,
    ],
  ],
  [
    'sealer',
    stack.sealer,
    // The alert thresholds: the sealer reports a crossing when it counts a checkpoint.
    [...COMMON, TABLES.audit.env, TABLES.control.env, KEYS.signing.env, AUDIT_CHECKPOINTS.env, ...ALERTS],
  ],
  ['ops-check', stack.opsCheck, [...COMMON, TABLES.intake.env]],
  // The change-feed relay: the student file (who sees the student) and the changes table.
  // And the webhook queue with who has a webhook (the notifications).
  [
    'change-relay',
    stack.changeRelay,
    [...COMMON, TABLES.ledger.env, TABLES.changes.env, ENV.webhookQueueUrl, ENV.webhookTargets],
  ],
  // Webhook delivery: the key it signs with and where to POST; no table, no bucket.
  ['webhook-deliver', stack.webhookDelivery, [...COMMON, KEYS.webhooks.env, ENV.webhookTargets]],
  // The Cognito trigger (stateful stack): reads the event's attributes and the shipped register only.
  ['pre-token', stack.identity.preToken!, [...COMMON]],
];

/** A function's environment as Lambda would see it after deployment. */
function deployed(fn: AppFunction): Record<string, string> {
  return Object.fromEntries(Object.entries(envOf(fn)).map(([k, v]) => [k, resolveValue(resources, v)]));
}

const saved = { ...process.env };
/** Runs the wiring with exactly this environment (plus the region Lambda sets). */
async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env, { AWS_REGION: 'eu-central-1' });
  resetComposition();
  resetAuditComposition();
  resetWebhookComposition();
  return run();
}
afterEach(() => {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, saved);
  resetComposition();
  resetAuditComposition();
});

describe('function environments', () => {
  for (const [name, fn, expected] of EXPECTED) {
    test(`${name}: exactly ${new Set(expected).size} variables, named as in resources.ts`, () => {
      assert.deepEqual(Object.keys(envOf(fn)).sort(), [...new Set(expected)].sort());
      assert.equal(envOf(fn)[ENV.serviceName], SERVICE_NAME);
    });
  }

  test('every environment fits the 4 KB Lambda allows, with deploy-time lengths of names and ids', () => {
    for (const [name, fn] of EXPECTED) {
      const size = Object.entries(deployed(fn)).reduce((n, [k, v]) => n + k.length + v.length, 0);
      assert.ok(size < 4096, `${name}: ${size} bytes`);
    }
  });

  test('values point at the right resources', () => {
    const f = stack.apiFunctions;
    const mapping = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping',
    )![0];
    assert.deepEqual(envOf(f.admin)[ENV.intakeMappingUuid], ref(mapping));
    assert.deepEqual(envOf(f.admin)[ENV.intakeQueueUrl], ref(id(stack.storage.queue)));
    assert.deepEqual(envOf(f.clerk)[EXTRACTS_BUCKET.env], ref(id(stack.storage.bucket)));
    assert.deepEqual(envOf(f.clerk)[KEYS.data.env], arnOf(id(stack.keys.data)));
    assert.deepEqual(envOf(f.audit)[KEYS.signing.env], ref(id(stack.keys.signing)));
    assert.deepEqual(envOf(stack.sealer)[TABLES.audit.env], ref(id(stack.storage.tables.audit)));
    assert.deepEqual(envOf(stack.changeRelay)[ENV.webhookQueueUrl], ref(id(stack.storage.webhookQueue)));
    assert.deepEqual(envOf(stack.webhookDelivery)[KEYS.webhooks.env], ref(id(stack.keys.webhooks)));
    assert.deepEqual(envOf(f.institution)[KEYS.webhooks.env], ref(id(stack.keys.webhooks)));
  });
});

/**
 * The one Lambda function not built with AppFunction: CDK's BucketDeployment provider, which copies
 * the console into its bucket at deploy time (infra/constructs/console-deployment.ts).
 */
const BUCKET_DEPLOYMENT_PROVIDER = /^CustomCDKBucketDeployment[0-9A-F]{32}/;

describe('function defaults', () => {
  test('every Lambda function of the stacks is an AppFunction: nodejs24.x, arm64, traced, its own encrypted log group', () => {
    const functions = Object.entries(resources).filter(
      ([k, r]) => r.Type === 'AWS::Lambda::Function' && !BUCKET_DEPLOYMENT_PROVIDER.test(k),
    );
    assert.deepEqual(
      functions.map(([k]) => k).sort(),
      EXPECTED.map(([, fn]) => id(fn.function)).sort(),
      'a function not built through AppFunction',
    );
    assert.deepEqual(
      [...stack.functions, stack.identity.preToken!].map((fn) => fn.name).sort(),
      EXPECTED.map(([, fn]) => fn.name).sort(),
    );
    for (const [, fn] of EXPECTED) {
      const p = resources[id(fn.function)]!.Properties;
      assert.equal(p['Runtime'], 'nodejs24.x');
      assert.deepEqual(p['Architectures'], ['arm64']);
      assert.equal(p['Handler'], 'index.handler');
      assert.deepEqual(p['TracingConfig'], { Mode: 'Active' });
      assert.deepEqual(p['LoggingConfig'], { LogGroup: ref(id(fn.logGroup)) });
      const logGroup = resources[id(fn.logGroup)]!.Properties;
      const name = JSON.stringify(logGroup['LogGroupName']);
      assert.ok(name.includes(`"/${SERVICE_NAME}/dev/${fn.name}-"`), name);
      assert.ok(name.includes('AWS::StackId'), `${name}: unique to this deployment of the stack`);
      assert.deepEqual(logGroup['KmsKeyId'], arnOf(id(stack.keys.data)));
      assert.equal(logGroup['RetentionInDays'], LIMITS.logRetentionDays);
    }
  });

  test("the only other function is CDK's BucketDeployment provider, with our role, an encrypted log group and a retention", () => {
    const others = Object.entries(resources).filter(
      ([k, r]) => r.Type === 'AWS::Lambda::Function' && BUCKET_DEPLOYMENT_PROVIDER.test(k),
    );
    assert.equal(others.length, 1);
    const p = others[0]![1].Properties;
    const deployment = stack.consoleDeployment;
    assert.deepEqual(p['Role'], { 'Fn::GetAtt': [id(deployment.role), 'Arn'] });
    assert.deepEqual(p['LoggingConfig'], { LogGroup: ref(id(deployment.logGroup)) });
    const logGroup = resources[id(deployment.logGroup)]!.Properties;
    assert.deepEqual(logGroup['KmsKeyId'], arnOf(id(stack.keys.data)));
    assert.equal(logGroup['RetentionInDays'], LIMITS.logRetentionDays);
    assert.equal(resources[id(deployment.role)]!.Properties['ManagedPolicyArns'], undefined);
  });

  test('the logRetentionDays context sets the retention of every log group, and only CloudWatch periods are accepted', () => {
    const other = synthesize('dev', { logRetentionDays: '365' });
    const groups = view(other.template).ofType('AWS::Logs::LogGroup');
    assert.ok(groups.length >= 9);
    for (const [, g] of groups) assert.equal(g.Properties['RetentionInDays'], 365);
    assert.throws(
      () => synthesize('dev', { logRetentionDays: '100' }),
      /logRetentionDays.*100 is not a retention period/,
    );
  });

  test("API functions answer within API Gateway's 30-second integration timeout", () => {
    for (const fn of stack.apiFunctions.all) {
      assert.ok((resources[id(fn.function)]!.Properties['Timeout'] as number) < 30, fn.name);
    }
  });
});

describe('the real wiring accepts each deployed environment', () => {
  /** Each API function's composition, and what it must build from that function's environment alone. */
  const API_WIRING = {
    clerk: [stack.apiFunctions.clerk, clerkPorts, ['statuses', 'uploads', 'audit', 'control']],
    institution: [
      stack.apiFunctions.institution,
      institutionPorts,
      ['ledger', 'audit', 'keys', 'names', 'feed'],
    ],
    audit: [
      stack.apiFunctions.audit,
      auditorPorts,
      ['audit', 'ledger', 'keys', 'names', 'stats', 'alertThresholds'],
    ],
    admin: [
      stack.apiFunctions.admin,
      adminPorts,
      ['control', 'statuses', 'extracts', 'queue', 'queues', 'ledger', 'audit', 'keys', 'names'],
    ],
  } as const satisfies Record<string, readonly [AppFunction, () => Promise<object>, readonly string[]]>;

  for (const [name, [fn, compose, expected]] of Object.entries(API_WIRING)) {
    test(`${name}: its ports build and the token verifier configures from the environment`, async () => {
      const env = deployed(fn);
      await withEnv(env, async () => {
        const ports = (await compose()) as unknown as Record<string, { constructor: { name: string } }>;
        assert.deepEqual(Object.keys(ports).sort(), [...expected].sort());
        if ('keys' in ports)
          assert.equal(ports['keys']!.constructor.name, 'KmsKeyService', 'KMS, not local files');
        if ('names' in ports) assert.equal(ports['names']!.constructor.name, 'EsdkNameCipher');
      });
      assert.doesNotThrow(() => TokenVerifier.fromEnv(env));
    });
  }

  test('clerk: the receipt ports are the AWS ones (S3 Object Lock, KMS, DynamoDB) from its environment alone', async () => {
    await withEnv(deployed(stack.apiFunctions.clerk), async () => {
      resetAuditComposition();
      const ports = receiptPorts();
      assert.equal(ports.checkpoints.constructor.name, 'S3CheckpointStore');
      assert.equal(ports.auditSource.constructor.name, 'DynamoAuditSource');
      assert.equal(ports.receipts.constructor.name, 'JwsReceiptSigner');
      // Proofs from the Merkle tiles in the control table, not from every checkpoint.
      assert.equal(ports.tiles?.constructor.name, 'DynamoMerkleTiles');
      resetAuditComposition();
    });
  });

  test('audit: the checkpoint store and signer are the AWS ones (S3 Object Lock, KMS)', async () => {
    await withEnv(deployed(stack.apiFunctions.audit), async () => {
      const ports = await auditSealPorts();
      assert.equal(ports.checkpoints.constructor.name, 'S3CheckpointStore');
      assert.equal(ports.signer.constructor.name, 'KmsSigner');
      assert.equal(ports.tiles?.constructor.name, 'DynamoMerkleTiles');
    });
  });

  test('sealer: auditSealPorts() builds the AWS ports from its environment alone', async () => {
    await withEnv(deployed(stack.sealer), async () => {
      const ports = await auditSealPorts();
      assert.equal(ports.checkpoints.constructor.name, 'S3CheckpointStore');
      assert.equal(ports.signer.constructor.name, 'KmsSigner');
      assert.equal(ports.audit.constructor.name, 'DynamoAuditSource');
      assert.equal(ports.tiles?.constructor.name, 'DynamoMerkleTiles');
    });
  });

  test('intake: intakeDeps() builds with KMS keys from its environment alone', async () => {
    await withEnv(deployed(stack.intake), async () => {
      const deps = await intakeDeps();
      assert.equal(deps.keys.constructor.name, 'KmsKeyService');
    });
  });

  test('change-relay: the handler loads and relayPorts() builds from its environment alone', async () => {
    await withEnv(deployed(stack.changeRelay), async () => {
      const mod = await import('../../functions/change-relay/handler.js');
      assert.equal(typeof mod.handler, 'function');
      const ports = relayPorts();
      assert.deepEqual(Object.keys(ports).sort(), ['feed', 'ledger']);
    });
  });

  test('webhooks: with the context `webhooks`, the relay builds its notifier for exactly those institutions and the delivery function knows their URLs', async () => {
    const configured = synthesize('dev', { webhooks: '{"UGENT":"https://hooks.ugent.be/learning-credit"}' });
    const other = view(configured.template);
    const resolved = (fn: AppFunction) =>
      Object.fromEntries(
        Object.entries(other.envOf(fn)).map(([k, v]) => [k, resolveValue(other.resources, v)]),
      );
    await withEnv(resolved(configured.stack.changeRelay), async () => {
      const ports = relayPortsWithWebhooks();
      assert.deepEqual([...(ports.notifier?.institutions ?? [])], ['UGENT']);
    });
    await withEnv(resolved(configured.stack.webhookDelivery), async () => {
      const mod = await import('../../functions/webhook-deliver/handler.js');
      assert.equal(typeof mod.handler, 'function');
      assert.deepEqual(webhookDeliveryPorts().targets, { UGENT: 'https://hooks.ugent.be/learning-credit' });
      assert.equal(webhookSigner().constructor.name, 'JwsWebhookSigner');
    });
    // Without the context: no notifier (no notifications), the queue and function deployed all the same.
    await withEnv(deployed(stack.changeRelay), async () => {
      assert.equal(relayPortsWithWebhooks().notifier, undefined);
    });
  });

  test('ops-check: the handler loads from its environment alone and tags its metrics with the environment', async () => {
    await withEnv(deployed(stack.opsCheck), async () => {
      const mod = await import('../../functions/ops-check/handler.js');
      assert.equal(typeof mod.handler, 'function');
      mod.metrics.addMetric('Probe', 'Count', 1);
      const emf = JSON.stringify(mod.metrics.serializeMetrics());
      mod.metrics.clearMetrics();
      assert.match(emf, /"environment":"dev"/);
      assert.match(emf, /"service":"ruling-intake"/);
    });
  });

  test('the check has teeth: without the ledger table variable the institution composition fails', async () => {
    const env = deployed(stack.apiFunctions.institution);
    delete env[TABLES.ledger.env];
    await assert.rejects(
      withEnv(env, () => institutionPorts()),
      new RegExp(TABLES.ledger.env),
    );
  });
});

describe('function construct: concurrency and asynchronous invocations', () => {
  test('by default no function reserves concurrency (a fresh account, quota 10, refuses any); with reserveConcurrency=true the sealer and the ops check reserve one', () => {
    for (const fn of stack.functions) {
      assert.equal(propsOf(id(fn.function))['ReservedConcurrentExecutions'], undefined, fn.name);
    }
    const on = synthesize('dev', { reserveConcurrency: 'true' });
    const reserved = Object.fromEntries(
      on.stack.functions.map((fn) => [
        fn.name,
        view(on.template).propsOf(id(fn.function))['ReservedConcurrentExecutions'],
      ]),
    );
    assert.deepEqual(reserved, {
      intake: undefined,
      'api-clerk': undefined,
      'api-institution': undefined,
      'api-audit': undefined,
      'api-admin': undefined,
      'audit-sealer': 1,
      'ops-check': 1,
      'change-relay': undefined,
      'webhook-deliver': undefined,
    });
  });

  test('the intake is bounded on its event source mapping instead (a reserved limit would throttle messages into the DLQ)', () => {
    const mapping = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties['FunctionName']).includes(id(stack.intake.function)),
    )!;
    assert.deepEqual(mapping.Properties['ScalingConfig'], { MaximumConcurrency: INTAKE_MAX_CONCURRENCY });
  });

  test('every function invoked asynchronously (by EventBridge) sends failed events to the async-failure queue, after bounded retries', () => {
    const asyncInvoked = Object.values(resources)
      .filter(
        (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties['Principal'] === 'events.amazonaws.com',
      )
      .map((r) => JSON.stringify(r.Properties['FunctionName']));
    const invoked = stack.functions.filter((fn) =>
      asyncInvoked.includes(JSON.stringify(arnOf(id(fn.function)))),
    );
    assert.deepEqual(invoked.map((fn) => fn.name).sort(), ['audit-sealer', 'ops-check']);
    for (const fn of invoked) {
      const config = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::EventInvokeConfig' &&
          contains(r.Properties['FunctionName'], ref(id(fn.function))),
      );
      assert.ok(config, `${fn.name}: no EventInvokeConfig`);
      assert.deepEqual(config.Properties['DestinationConfig'], {
        OnFailure: { Destination: arnOf(id(stack.storage.asyncFailures)) },
      });
      assert.ok((config.Properties['MaximumRetryAttempts'] as number) <= 2, fn.name);
      assert.ok((config.Properties['MaximumEventAgeInSeconds'] as number) <= 900, fn.name);
    }
  });

  test('functions run with source maps (bundled with esbuild, resolved by Node at run time)', () => {
    for (const fn of stack.functions) {
      assert.equal(envOf(fn)['NODE_OPTIONS'], '--enable-source-maps', fn.name);
      assert.equal(bundleSpecFor(fn.name).sourcemap, true, fn.name);
    }
  });
});
