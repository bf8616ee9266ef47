/**
 * The split: a stateful stack (data, keys, identities, addresses) and a stateless one (code and
 * wiring), references only from stateless to stateful, no dependency cycle, the stateful stack's
 * logical ids unchanged from the single stack it replaces, and the stateful policies that must
 * name a stateless consumer naming it by a fixed ARN rather than a reference. Plus the CDK app's
 * configuration surface: cdk.json and the context keys the README documents.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { CONTEXT_KEYS, readDeployConfig } from '../../infra/config.js';
import { KEY_USERS } from '../../infra/constructs/keys.js';
import { FUNCTION_NAMES, functionRoleName } from '../../infra/naming.js';
import { ENV } from '../../shared/config/resources.js';
import { defaultRegister } from '../../shared/domain/institutions.js';
import { contains, logicalId, resolveValue, synthesize, view, type TemplateJson } from './stack-fixture.js';

const { stack, stacks, templates, template } = synthesize();
const types = (t: TemplateJson) => new Set(Object.values(t.Resources).map((r) => r.Type));

/** Asserts that a stack's template has a resource of each type of `holds`, and none of `lacks`. */
function assertResourceTypes(t: TemplateJson, holds: readonly string[], lacks: readonly string[]): void {
  const present = types(t);
  for (const type of holds) assert.ok(present.has(type), type);
  for (const type of lacks) assert.ok(!present.has(type), type);
}

describe('stack split', () => {
  test('the stateful stack `ruling-intake-dev` holds data, keys, identities and addresses, and no code but the user pool’s own pre-token trigger', () => {
    assert.equal(stacks.stateful.stackName, 'ruling-intake-dev');
    assertResourceTypes(
      templates.stateful,
      [
        'AWS::KMS::Key',
        'AWS::S3::Bucket',
        'AWS::SQS::Queue',
        'AWS::DynamoDB::Table',
        'AWS::Cognito::UserPool',
        'AWS::ApiGatewayV2::Api',
        'AWS::CloudFront::Distribution',
      ],
      ['AWS::Lambda::EventSourceMapping', 'AWS::Events::Rule', 'AWS::CloudWatch::Alarm'],
    );
    // The pool names its trigger's ARN, so the trigger lives with the pool (in the stateless
    // stack it would make the stateful stack depend on it: a cycle). It is the only function here.
    const functions = Object.entries(templates.stateful.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );
    assert.equal(functions.length, 1);
    assert.match(functions[0]![0], /PreToken/);
  });

  test('the stateless stack `ruling-intake-dev-app` holds functions, API stage and routes, schedules, console files, alarms — and no data', () => {
    assert.equal(stacks.stateless.stackName, 'ruling-intake-dev-app');
    assertResourceTypes(
      templates.stateless,
      [
        'AWS::Lambda::Function',
        'AWS::ApiGatewayV2::Stage',
        'AWS::ApiGatewayV2::Route',
        'AWS::Events::Rule',
        'Custom::CDKBucketDeployment',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
      ],
      [
        'AWS::KMS::Key',
        'AWS::S3::Bucket',
        'AWS::SQS::Queue',
        'AWS::DynamoDB::Table',
        'AWS::Cognito::UserPool',
      ],
    );
  });

  test('references go one way: the stateless stack imports, the stateful stack neither imports nor depends on it', () => {
    assert.ok(JSON.stringify(templates.stateless).includes('Fn::ImportValue'));
    assert.ok(!JSON.stringify(templates.stateful).includes('Fn::ImportValue'));
    assert.ok(!Object.values(templates.stateless.Outputs ?? {}).some((o) => o.Export));
    assert.deepEqual(
      stacks.stateless.dependencies.map((s) => s.stackName),
      ['ruling-intake-dev'],
    );
    assert.deepEqual(stacks.stateful.dependencies, []);
  });

  test('the stateless stack can be destroyed and redeployed: whatever it retains has a name unique to one deployment of the stack', () => {
    const retained = Object.entries(templates.stateless.Resources).filter(
      ([, r]) => (r as { DeletionPolicy?: string }).DeletionPolicy === 'Retain',
    );
    assert.ok(retained.length >= 9, 'the nine log groups are retained (logs stay readable)');
    for (const [id, r] of retained) {
      const named = Object.entries(r.Properties ?? {}).filter(([k]) => /Name$/.test(k));
      for (const [key, value] of named) {
        assert.ok(
          JSON.stringify(value).includes('AWS::StackId'),
          `${id}.${key} is retained with a fixed name: a redeploy would fail with "already exists"`,
        );
      }
      if (r.Type === 'AWS::Logs::LogGroup') {
        const name = r.Properties['LogGroupName'] as { 'Fn::Join': [string, unknown[]] };
        assert.match(
          String(name['Fn::Join'][1][0]),
          /^\/ruling-intake\/dev\/[a-z-]+-$/,
          `${id}: under the key policy's prefix`,
        );
      }
    }
  });

  test('the stacks are deployable: no dependency cycle and no finding of CDK’s CloudFormation validation', () => {
    assert.doesNotThrow(() => synthesize('dev', {}, { strict: true }));
  });

  test('the stateful stack keeps the logical ids of the single stack it replaces (same stack name, same construct ids)', () => {
    const ids = Object.keys(templates.stateful.Resources);
    for (const id of [
      'KeysDataKey8F3FE3A4',
      'KeysHmacKeyF22903BE',
      'KeysSigningKeyADF32206',
      'StorageExtracts83259569',
      'StorageIntakeQueueF24716C3',
      'StorageIntakeDeadLettersBD22348E',
      'StorageLedger5E7CB2E3',
      'StorageAudit9012A908',
      'StorageIntakeEACB8F35',
      'StorageControl30152705',
      'StorageUploaderRole9359AD08',
      'AuditTrailAuditCheckpoints4C8D2FB4',
      'IdentityUsers61009EFD',
      'ApiHttpApi4C294DC0',
    ]) {
      assert.ok(ids.includes(id), `${id} moved`);
    }
  });

  test('prod: the stateful stack has termination protection', () => {
    const prod = synthesize('prod');
    assert.equal(prod.stacks.stateful.terminationProtection, true);
    assert.equal(stacks.stateful.terminationProtection, false);
  });
});

describe('institution clients: added, rotated and removed without an export deadlock', () => {
  const codes = defaultRegister.institutions.map((i) => i.code);
  const fewer = synthesize('dev', {}, { institutionCodes: codes.slice(1) });
  const clientIds = (t: TemplateJson) =>
    Object.entries(t.Resources)
      .filter(
        ([, r]) => r.Type === 'AWS::Cognito::UserPoolClient' && r.Properties['ClientName'] !== 'console',
      )
      .map(([k]) => k);

  test('no institution client id is exported by the stateful stack (CloudFormation cannot drop an export still imported)', () => {
    const exported = JSON.stringify(Object.values(templates.stateful.Outputs ?? {}).filter((o) => o.Export));
    const ids = clientIds(templates.stateful);
    assert.equal(ids.length, codes.length);
    for (const k of ids) assert.ok(!exported.includes(`"${k}"`), `${k} is exported`);
  });

  test('removing a client changes no export and not one byte of the app stack; the SSM parameters carry the new set', () => {
    assert.equal(clientIds(fewer.templates.stateful).length, codes.length - 1);
    const exportsOf = (t: TemplateJson) =>
      Object.fromEntries(
        Object.values(t.Outputs ?? {})
          .filter((o) => o.Export)
          .map((o) => [o.Export!.Name, o.Value]),
      );
    assert.deepEqual(exportsOf(fewer.templates.stateful), exportsOf(templates.stateful));
    assert.deepEqual(fewer.templates.stateless, templates.stateless);
    const mapping = (s: typeof fewer) => {
      const v = view(s.template);
      const json = resolveValue(
        v.resources,
        v.envOf(s.stack.apiFunctions.institution)[ENV.authClientInstitutions],
      );
      return Object.values(JSON.parse(json) as Record<string, string>).sort();
    };
    assert.deepEqual(mapping(fewer), codes.slice(1).sort(), 'the removed client is gone from the mapping');
    assert.deepEqual(mapping(synthesize()), [...codes].sort());
  });

  test('rotating a client (clientGenerations) replaces it — a new logical id — and changes no export either', () => {
    const rotated = synthesize('dev', { clientGenerations: JSON.stringify({ [codes[0]!]: 2 }) });
    const before = new Set(clientIds(templates.stateful));
    const after = new Set(clientIds(rotated.templates.stateful));
    assert.equal([...after].filter((k) => !before.has(k)).length, 1, 'one new client');
    assert.equal([...before].filter((k) => !after.has(k)).length, 1, 'one client deleted');
    assert.deepEqual(rotated.templates.stateless, templates.stateless);
    assert.deepEqual(
      Object.values(rotated.templates.stateful.Outputs ?? {}).filter((o) => o.Export),
      Object.values(templates.stateful.Outputs ?? {}).filter((o) => o.Export),
    );
  });

  test('the app stack reads the client set from SSM parameters resolved at deploy time', () => {
    const params = Object.values(
      (templates.stateless['Parameters'] ?? {}) as Record<string, { Type: string; Default: string }>,
    )
      .filter((p) => p.Default.startsWith('/ruling-intake/'))
      .map((p) => [p.Type, p.Default]);
    assert.deepEqual(params.sort(), [
      ['AWS::SSM::Parameter::Value<String>', '/ruling-intake/dev/auth/audiences'],
      ['AWS::SSM::Parameter::Value<String>', '/ruling-intake/dev/auth/client-institutions'],
    ]);
  });
});

describe('no cycle by construction: stateful policies name stateless consumers by fixed ARN', () => {
  const { resources } = view(template);

  test('every function role has the fixed name ruling-intake-<env>-<function>', () => {
    for (const fn of stack.functions) {
      assert.equal(resources[logicalId(fn.role)]!.Properties['RoleName'], functionRoleName('dev', fn.name));
    }
    assert.deepEqual(stack.functions.map((f) => f.name).sort(), [...FUNCTION_NAMES].sort());
  });

  test('the HMAC and signing key policies and the extracts bucket policy name roles as ARN strings, never as references', () => {
    const roleArn = (fn: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'AWS::AccountId' },
          `:role/ruling-intake-dev-${fn}`,
        ],
      ],
    });
    const hmac = templates.stateful.Resources[logicalId(stack.keys.hmac)]!.Properties['KeyPolicy'];
    for (const fn of KEY_USERS.hmac) assert.ok(contains(hmac, roleArn(fn)), fn);
    const signing = templates.stateful.Resources[logicalId(stack.keys.signing)]!.Properties['KeyPolicy'];
    for (const fn of KEY_USERS.signing) assert.ok(contains(signing, roleArn(fn)), fn);
    const bucketPolicy = Object.values(templates.stateful.Resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        contains(r.Properties['Bucket'], { Ref: logicalId(stack.storage.bucket) }),
    )!;
    assert.ok(contains(bucketPolicy.Properties, roleArn('intake')));
    // …and nothing in the stateful template points at a stateless resource.
    for (const id of Object.keys(templates.stateless.Resources)) {
      assert.ok(
        !contains(templates.stateful, { Ref: id }) && !JSON.stringify(templates.stateful).includes(`"${id}"`),
        id,
      );
    }
  });
});

describe('CDK app configuration', () => {
  test('cdk.json runs infra/app.ts through tsx, with the recommended feature flags and strong cross-stack references', () => {
    const cdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      app: string;
      context: Record<string, unknown>;
    };
    assert.equal(cdk.app, 'npx tsx infra/app.ts');
    const recommended = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;
    const deliberate: Record<string, unknown> = { '@aws-cdk/core:defaultCrossStackReferences': 'strong' };
    for (const [flag, value] of Object.entries(recommended)) {
      assert.deepEqual(cdk.context[flag], flag in deliberate ? deliberate[flag] : value, flag);
    }
  });

  test('the configuration reads exactly the documented context keys, and the README documents each', () => {
    const read = new Set<string>();
    const app = new App();
    const original = app.node.tryGetContext.bind(app.node);
    app.node.tryGetContext = (key: string) => {
      read.add(key);
      return original(key);
    };
    readDeployConfig(app.node);
    read.add('environment'); // read by infra/app.ts
    assert.deepEqual([...read].sort(), [...CONTEXT_KEYS].sort());
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy to AWS'));
    assert.ok(readme.includes('## Deploy to AWS'), 'README has no "Deploy to AWS" section');
    for (const key of CONTEXT_KEYS)
      assert.ok(deploy.includes(`\`${key}\``), `README does not document ${key}`);
  });
});
