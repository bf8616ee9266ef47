/**
 * cdk-nag's AWS Solutions rules over both stacks: no error and no warning is left that infra/nag.ts
 * does not acknowledge, on that one resource, with a reason — for the default configuration, with
 * a custom console domain and web ACL, and with an external OpenID issuer. And no acknowledgment
 * is stale: without infra/nag.ts, each acknowledged finding is reported exactly where it is
 * acknowledged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NAG_ACKNOWLEDGMENTS, constructAt, ruleId } from '../../infra/nag.js';
import type { RulingIntakeApp } from '../../infra/stack.js';
import { CONCRETE_ENV, synthesize, type SynthOptions } from './stack-fixture.js';

interface Finding {
  readonly rule: string;
  readonly path: string;
  readonly severity: string;
}

function findings(
  environment: string,
  context: Record<string, unknown>,
  acknowledge: boolean,
  env: SynthOptions['env'],
): { stacks: RulingIntakeApp; findings: Finding[] } {
  const { app, stacks } = synthesize(environment, context, { acknowledge, ...(env ? { env } : {}) });
  const report = new AwsSolutionsChecks().validateScope(app);
  return {
    stacks,
    findings: report.violations.flatMap((v) =>
      v.violatingResources.map((r) => ({
        rule: v.ruleName,
        path: r.constructPath ?? '?',
        severity: v.severity ?? '?',
      })),
    ),
  };
}

/** Every configuration the README documents: [environment, context]. */
const CONFIGURATIONS: Record<string, [string, Record<string, unknown>]> = {
  'the default configuration': ['dev', {}],
  "prod with an alarm e-mail (the README's first deploy)": ['prod', { alarmEmail: 'ops@ahovoks.example' }],
  'a custom console domain, a web ACL and an alarm e-mail': [
    'dev',
    {
      consoleDomainName: 'leerkrediet.ahovoks.example',
      consoleCertificateArn:
        'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
      consoleWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/console/0a1b2c3d',
      alarmEmail: 'ops@ahovoks.example',
    },
  ],
  'an external OpenID issuer': [
    'dev',
    {
      oidcIssuer: 'https://idm.example.vlaanderen.be/op',
      oidcAudience: 'ruling-intake-api,ruling-intake-console',
    },
  ],
  'a test environment: short checkpoint retention, CORS origins, a local console, no reserved concurrency': [
    'test',
    {
      checkpointRetentionDays: 1,
      allowedOrigins: 'https://tool.ahovoks.example',
      consoleUrls: 'http://localhost:4580/',
      reserveConcurrency: 'false',
    },
  ],
};

// `cdk synth` without credentials leaves account and region as pseudo parameters; `cdk deploy`
// with credentials writes them out (issue 13: the nag acknowledgments matched only the first form).
const ENVS: Record<string, SynthOptions['env']> = {
  'no account/region': undefined,
  [`account ${CONCRETE_ENV.account} in ${CONCRETE_ENV.region}`]: CONCRETE_ENV,
};

for (const [configName, [environment, context]] of Object.entries(CONFIGURATIONS))
  for (const [envName, env] of Object.entries(ENVS)) {
    const name = `${configName}, ${envName}`;
    describe(`cdk-nag AwsSolutionsChecks, ${name}`, () => {
      const acknowledged = findings(environment, context, true, env);

      test('no error and no warning is left unacknowledged', () => {
        assert.deepEqual(acknowledged.findings, []);
      });

      test('every acknowledgment that applies here matches a finding on exactly its resource (none is stale)', () => {
        const raw = findings(environment, context, false, env);
        const applicable = NAG_ACKNOWLEDGMENTS.filter((a) => a.when?.(raw.stacks) ?? true);
        for (const a of applicable) {
          const path = `${raw.stacks[a.stack].node.id}/${a.path}`;
          const id = ruleId(a, raw.stacks);
          assert.ok(
            raw.findings.some((f) => f.rule === id && f.path === path),
            `acknowledged but not reported: ${id} at ${path}`,
          );
        }
        assert.equal(
          raw.findings.length,
          applicable.length,
          'every finding is acknowledged once, and only once',
        );
      });
    });
  }

describe('acknowledgments', () => {
  const { stacks } = synthesize();

  test('each names one CloudFormation resource by its path, a rule id and a reason of substance', () => {
    for (const a of NAG_ACKNOWLEDGMENTS) {
      const construct = constructAt(stacks[a.stack], a.path);
      assert.ok(CfnResource.isCfnResource(construct), `${a.path} is not a CloudFormation resource`);
      assert.match(ruleId(a, stacks), /^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      assert.ok(a.reason.length >= 60, `${a.path} ${ruleId(a, stacks)}: say why`);
    }
  });

  test('no acknowledgment covers a whole stack or a construct subtree', () => {
    for (const a of NAG_ACKNOWLEDGMENTS) {
      const construct = constructAt(stacks[a.stack], a.path);
      assert.equal(construct.node.children.length, 0, `${a.path} has children`);
    }
  });
});
