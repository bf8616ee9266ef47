/**
 * The AWS Control Tower guard rules (cfn-guard, @cdklabs/cdk-validator-cfnguard) run at synth as
 * infra/app.ts runs them: no finding is left that infra/guard.ts does not acknowledge on that
 * resource with its reason, and no acknowledgment is stale. Slow (cfn-guard over both templates),
 * so one configuration with and one without a custom console domain.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GUARD_ACKNOWLEDGMENTS, GUARD_PLUGIN, guardTargets } from '../../infra/guard.js';
import { CONCRETE_ENV, synthesize } from './stack-fixture.js';

interface Violation {
  ruleName: string;
  violatingConstructs: { constructPath: string }[];
}
interface Report {
  pluginReports: { pluginName: string; violations: Violation[]; suppressedViolations?: Violation[] }[];
}

const CONFIGURATIONS: Record<string, Record<string, unknown>> = {
  'the default configuration': {},
  'a custom console domain': {
    consoleDomainName: 'leerkrediet.ahovoks.example',
    consoleCertificateArn:
      'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
  },
};

for (const [name, context] of Object.entries(CONFIGURATIONS)) {
  describe(`Control Tower guard rules, ${name}`, () => {
    const synth = synthesize('dev', context, { guard: true, env: CONCRETE_ENV });
    const report = JSON.parse(readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8')) as Report;
    const guard = report.pluginReports.find((p) => p.pluginName === GUARD_PLUGIN);

    test('the rules ran, and every finding is acknowledged', () => {
      assert.ok(guard, 'the guard plugin did not run');
      const open = guard.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`),
      );
      assert.deepEqual(open, []);
    });

    test('every acknowledgment that applies matches a finding on each of its resources (none is stale)', () => {
      const suppressed = new Set(
        (guard?.suppressedViolations ?? []).flatMap((v) =>
          v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`),
        ),
      );
      for (const a of GUARD_ACKNOWLEDGMENTS.filter((x) => x.when?.(synth.stacks) ?? true)) {
        for (const target of guardTargets(synth.stacks, a)) {
          const key = `${a.rule} ${target.node.path}`;
          assert.ok(suppressed.has(key), `acknowledged but not reported: ${key}`);
        }
        assert.ok(a.reason.length >= 60, `${a.rule}: say why`);
      }
    });
  });
}
