/**
 * Builds RulingIntakeStack for assertions, with the feature flags of cdk.json and without
 * bundling (the bundle has its own test), and the template helpers the infra tests share.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import type { AppFunction } from '../../infra/constructs/app-function.js';
import { INTAKE_ENTRY } from '../../infra/constructs/intake-function.js';
import { RulingIntakeStack } from '../../infra/stack.js';

/** The real handler, or the stand-in entry while functions/intake/handler.ts is not written. */
export const ENTRY = existsSync(INTAKE_ENTRY)
  ? INTAKE_ENTRY
  : join(PROJECT_ROOT, 'test/infra/bundle-entry.ts');

/**
 * `strict` runs CDK's built-in CloudFormation validation (circular dependencies and other
 * deploy-time failures) and turns its warnings into a synth error; without it the validation is
 * skipped (it costs most of a synth). `Template.fromStack` refuses a template with a dependency
 * cycle either way. `context` adds CDK context values (as `-c key=value` would).
 */
export function synthesize(
  environment = 'dev',
  strict = false,
  context: Record<string, unknown> = {},
): { stack: RulingIntakeStack; template: Template } {
  const base = {
    ...cdkJsonContext(),
    environment,
    'aws:cdk:bundling-stacks': [],
    // Construct stack traces cost most of a synth under tsx's source maps; assertions never read them.
    'aws:cdk:disable-stack-trace': true,
    ...context,
  };
  const app = new App({
    context: strict ? { ...base, '@aws-cdk/core:validateAgainstDefaultRules': true } : base,
    // The built-in CloudFormation validation costs most of a synth; the strict synth keeps it.
    builtinCloudFormationValidation: strict,
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

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  DependsOn?: string[];
}

export const actions = (s: Statement): string[] => [s.Action].flat();
export const resourcesOf = (s: Statement): unknown[] => [s.Resource].flat();
export const contains = (haystack: unknown, needle: unknown): boolean =>
  JSON.stringify(haystack).includes(JSON.stringify(needle));
export const ref = (id: string) => ({ Ref: id });
export const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Statements of every IAM policy (inline or attached) that applies to a role. */
export function roleStatements(resources: Record<string, Resource>, roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const r of Object.values(resources)) {
    const p = r.Properties as { Roles?: unknown[]; PolicyDocument?: { Statement: Statement[] } };
    if (r.Type === 'AWS::IAM::Policy' && contains(p.Roles, ref(roleId)))
      out.push(...p.PolicyDocument!.Statement);
  }
  const role = resources[roleId]!.Properties as {
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  };
  for (const inline of role.Policies ?? []) out.push(...inline.PolicyDocument.Statement);
  return out;
}

/** What a synthesized template offers the tests. */
export function view(stack: RulingIntakeStack, template: Template) {
  const json = template.toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  const resources = json.Resources;
  return {
    json,
    resources,
    id: (construct: IConstruct) => logicalId(stack, construct),
    propsOf: (id: string): Record<string, unknown> => resources[id]!.Properties,
    /** Statements of an AppFunction's role. */
    statementsOf: (fn: AppFunction) => roleStatements(resources, logicalId(stack, fn.role)),
    /** The environment variables of an AppFunction, as in the template. */
    envOf: (fn: AppFunction) =>
      (
        resources[logicalId(stack, fn.function)]!.Properties['Environment'] as {
          Variables: Record<string, unknown>;
        }
      ).Variables,
    /** Every role of the template with its statements. */
    roles: () =>
      Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .map(([id]) => ({ id, statements: roleStatements(resources, id) })),
  };
}

/**
 * Resolves the intrinsic functions of a template value to plausible deploy-time strings: enough
 * to run the real wiring code (compose.ts) against a function's environment, and to measure it.
 * Physical names get realistic lengths (CloudFormation-generated names run to ~60 characters).
 */
export function resolveValue(resources: Record<string, Resource>, value: unknown): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': 'eu-central-1',
    'AWS::AccountId': '123456789012',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::Partition': 'aws',
    'AWS::StackName': 'ruling-intake-prod',
  };
  const uuid = '12345678-1234-4234-9234-123456789012';
  const keyArn = `arn:aws:kms:eu-central-1:123456789012:key/${uuid}`;
  const queueUrl =
    'https://sqs.eu-central-1.amazonaws.com/123456789012/ruling-intake-prod-StorageIntakeQueueF2471-AbCdEfGhIjKl';
  const poolUrl = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEfGhI';
  const go = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (typeof o['Ref'] === 'string') {
      const name = o['Ref'];
      if (pseudo[name]) return pseudo[name];
      const type = resources[name]?.Type;
      switch (type) {
        case 'AWS::Cognito::UserPoolClient':
          // 26 characters, unique per client.
          return `c${name
            .toLowerCase()
            .replace(/[^a-z0-9]/g, '')
            .slice(-25)
            .padStart(25, '0')}`;
        case 'AWS::Cognito::UserPool':
          return 'eu-central-1_AbCdEfGhI';
        case 'AWS::DynamoDB::Table':
          return `ruling-intake-prod-${name.slice(0, 24)}-1A2B3C4D5E6F7`;
        case 'AWS::S3::Bucket':
          return `ruling-intake-prod-${name.toLowerCase().slice(0, 30)}-abcdefghijkl`;
        case 'AWS::KMS::Key':
        case 'AWS::Lambda::EventSourceMapping':
          return uuid;
        case 'AWS::SQS::Queue':
          return queueUrl;
        case 'AWS::Cognito::UserPoolResourceServer':
          return String(resources[name]!.Properties['Identifier']);
        default:
          return `${name}-physical-id`;
      }
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [name, attribute] = o['Fn::GetAtt'] as [string, string];
      const type = resources[name]?.Type;
      if (type === 'AWS::KMS::Key') return keyArn;
      if (attribute === 'ProviderURL') return poolUrl;
      if (attribute === 'QueueUrl') return queueUrl;
      return `arn:aws:${type?.split('::')[1]?.toLowerCase() ?? 'x'}:eu-central-1:123456789012:${name}`;
    }
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(go).join(sep);
    }
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  };
  return go(value);
}
