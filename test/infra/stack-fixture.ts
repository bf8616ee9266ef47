/**
 * Builds RulingIntakeStack for assertions, with the feature flags of cdk.json and without
 * bundling (the bundle has its own test).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { INTAKE_ENTRY } from '../../infra/constructs/intake-function.js';
import { RulingIntakeStack } from '../../infra/stack.js';

/** The real handler, or the stand-in entry while functions/intake/handler.ts is not written. */
export const ENTRY = existsSync(INTAKE_ENTRY)
  ? INTAKE_ENTRY
  : join(PROJECT_ROOT, 'test/infra/bundle-entry.ts');

/**
 * `strict` turns CDK's built-in CloudFormation validation (circular dependencies and other
 * deploy-time failures) from warnings into a synth error. `Template.fromStack` also refuses a
 * template with a dependency cycle.
 */
export function synthesize(
  environment = 'dev',
  strict = false,
): { stack: RulingIntakeStack; template: Template } {
  const context = { ...cdkJsonContext(), environment, 'aws:cdk:bundling-stacks': [] };
  const app = new App({
    context: strict ? { ...context, '@aws-cdk/core:validateAgainstDefaultRules': true } : context,
  });
  const stack = new RulingIntakeStack(app, 'RulingIntakeStack', { environment, intakeEntry: ENTRY });
  return { stack, template: Template.fromStack(stack) };
}

/** The context (feature flags) of cdk.json, as `cdk synth` uses it. */
export function cdkJsonContext(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
  ).context;
}

/** Logical id of an L2 construct's CloudFormation resource. */
export function logicalId(stack: RulingIntakeStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}
