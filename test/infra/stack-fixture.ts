/**
 * Builds both stacks of an environment for assertions, with the feature flags of cdk.json and
 * without bundling (the bundle has its own test), and the template helpers the infra tests share.
 *
 * Most properties span the two stacks (a role in the stateless stack, the key it uses in the
 * stateful one), so the tests read one *linked* template: both templates' resources in one map,
 * each `Fn::ImportValue` of the stateless stack replaced by the value the stateful stack exports,
 * and each SSM parameter the stateless stack reads at deploy time by the value the stateful stack
 * writes to it.
 * A reference across stacks then reads exactly like one within a stack (`{ Ref: id }`,
 * `{ 'Fn::GetAtt': [id, 'Arn'] }`). Logical ids of the two stacks never collide (asserted).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { readDeployConfig } from '../../infra/config.js';
import type { AppFunction } from '../../infra/constructs/app-function.js';
import { INTAKE_ENTRY } from '../../infra/constructs/intake-function.js';
import { acknowledgeGuardFindings, guardValidator } from '../../infra/guard.js';
import { acknowledgeNagFindings } from '../../infra/nag.js';
import {
  buildStacks,
  type RulingIntakeApp,
  type StatefulStack,
  type StatelessStack,
} from '../../infra/stack.js';

/** The real handler, or the stand-in entry while functions/intake/handler.ts is not written. */
export const ENTRY = existsSync(INTAKE_ENTRY)
  ? INTAKE_ENTRY
  : join(PROJECT_ROOT, 'test/infra/bundle-entry.ts');

/** A folder that never holds a built console. */
const NO_CONSOLE = join(PROJECT_ROOT, 'test/.out/no-console-built');

/** Both stacks' constructs under one name, as the tests use them. */
export type Stacks = Pick<
  StatefulStack,
  'keys' | 'storage' | 'checkpoints' | 'identity' | 'apiEndpoint' | 'consoleHosting' | 'config'
> &
  Pick<
    StatelessStack,
    | 'intake'
    | 'apiFunctions'
    | 'api'
    | 'sealer'
    | 'opsCheck'
    | 'changeRelay'
    | 'webhookDelivery'
    | 'consoleDeployment'
    | 'monitoring'
    | 'functions'
  > & {
    readonly stateful: StatefulStack;
    readonly stateless: StatelessStack;
  };

export interface Synthesized {
  readonly app: App;
  readonly stacks: RulingIntakeApp;
  /** Both stacks' constructs. */
  readonly stack: Stacks;
  /** The linked template (both stacks, imports resolved). */
  readonly template: Template;
  /** Each stack's own template, as CloudFormation receives it. */
  readonly templates: { readonly stateful: TemplateJson; readonly stateless: TemplateJson };
  /** The cloud assembly's directory (validation-report.json when a plugin ran). */
  readonly outdir: string;
}

export interface TemplateJson {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
  [key: string]: unknown;
}

export interface SynthOptions {
  /** Run CDK's built-in CloudFormation validation (cycles, deploy-time failures); costs seconds. */
  readonly strict?: boolean;
  /**
   * The built console to deploy. Default: none (the placeholder page), so the infra tests never
   * depend on, nor race with, a build of web/ (console.test.ts deploys a built layout of its own).
   */
  readonly consoleDistDir?: string;
  /** Apply infra/nag.ts (default true, as infra/app.ts does). */
  readonly acknowledge?: boolean;
  /**
   * A concrete account and region, as `cdk deploy` with credentials (or CDK_DEFAULT_ACCOUNT and
   * CDK_DEFAULT_REGION) gives infra/app.ts. Default: none, as a plain `cdk synth` without credentials.
   */
  readonly env?: { readonly account: string; readonly region: string };
  /** Institutions with a Cognito machine client (default: the whole register). */
  readonly institutionCodes?: readonly string[];
  /** Run the Control Tower guard rules as infra/app.ts does (slow: cfn-guard over both templates). */
  readonly guard?: boolean;
}

/** The account and region the tests use for a synth "with credentials". */
export const CONCRETE_ENV = { account: '123456789012', region: 'eu-central-1' } as const;

/**
 * Synthesizes both stacks. `context` adds CDK context values (as `-c key=value` would).
 * Template.fromJSON refuses a template with a dependency cycle, so every synth also proves the
 * linked pair has none.
 */
export function synthesize(
  environment = 'dev',
  context: Record<string, unknown> = {},
  options: SynthOptions = {},
): Synthesized {
  const base = {
    ...cdkJsonContext(),
    environment,
    'aws:cdk:bundling-stacks': [],
    // Construct stack traces cost most of a synth under tsx's source maps; assertions never read them.
    'aws:cdk:disable-stack-trace': true,
    ...context,
  };
  const app = new App({ context: base, builtinCloudFormationValidation: options.strict ?? false });
  const stacks = buildStacks(app, {
    environment,
    config: readDeployConfig(app.node),
    intakeEntry: ENTRY,
    consoleDistDir: options.consoleDistDir ?? NO_CONSOLE,
    ...(options.env ? { env: options.env } : {}),
    ...(options.institutionCodes ? { institutionCodes: options.institutionCodes } : {}),
  });
  if (options.acknowledge ?? true) acknowledgeNagFindings(stacks);
  if (options.guard) {
    if (options.acknowledge ?? true) acknowledgeGuardFindings(stacks);
    Validations.of(app).addPlugins(guardValidator());
  }
  if (!options.consoleDistDir) {
    // Expected here (the tests build no console); console.test.ts asserts the warning itself.
    Validations.of(stacks.stateless.consoleDeployment).acknowledge({
      id: 'ruling-intake:console-not-built',
      reason: 'the infra tests deploy the placeholder page',
    });
  }
  const assembly = app.synth();
  const templates = {
    stateful: assembly.getStackByName(stacks.stateful.stackName).template as TemplateJson,
    stateless: assembly.getStackByName(stacks.stateless.stackName).template as TemplateJson,
  };
  const { stateful, stateless } = stacks;
  const stack: Stacks = {
    stateful,
    stateless,
    config: stateful.config,
    keys: stateful.keys,
    storage: stateful.storage,
    checkpoints: stateful.checkpoints,
    identity: stateful.identity,
    apiEndpoint: stateful.apiEndpoint,
    consoleHosting: stateful.consoleHosting,
    intake: stateless.intake,
    apiFunctions: stateless.apiFunctions,
    api: stateless.api,
    sealer: stateless.sealer,
    opsCheck: stateless.opsCheck,
    changeRelay: stateless.changeRelay,
    webhookDelivery: stateless.webhookDelivery,
    consoleDeployment: stateless.consoleDeployment,
    monitoring: stateless.monitoring,
    functions: stateless.functions,
  };
  return {
    app,
    stacks,
    stack,
    templates,
    outdir: assembly.directory,
    template: Template.fromJSON(link(templates.stateful, templates.stateless)),
  };
}

/** Both templates in one: resources merged, the stateless stack's imports replaced by the exported values. */
export function link(stateful: TemplateJson, stateless: TemplateJson): TemplateJson {
  const exported = new Map<string, unknown>();
  for (const output of Object.values(stateful.Outputs ?? {})) {
    if (output.Export) exported.set(output.Export.Name, output.Value);
  }
  // Parameters of type AWS::SSM::Parameter::Value<…> name the parameter in their Default.
  const ssmValues = new Map<string, unknown>();
  for (const r of Object.values(stateful.Resources)) {
    if (r.Type === 'AWS::SSM::Parameter')
      ssmValues.set(r.Properties['Name'] as string, r.Properties['Value']);
  }
  const parameters = (stateless['Parameters'] ?? {}) as Record<string, { Type: string; Default?: string }>;
  const ssmParameters = new Map<string, unknown>();
  for (const [id, p] of Object.entries(parameters)) {
    if (!p.Type.startsWith('AWS::SSM::Parameter::Value') || p.Default?.startsWith('/cdk-bootstrap/'))
      continue;
    const value = ssmValues.get(p.Default ?? '');
    if (value === undefined) throw new Error(`no SSM parameter ${p.Default} in the stateful stack`);
    ssmParameters.set(id, value);
  }
  const inline = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(inline);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['Ref'] === 'string' && ssmParameters.has(o['Ref'])) return ssmParameters.get(o['Ref']);
      // Fn::Split of a list that was joined with the same delimiter (the audiences): the list.
      const split = o['Fn::Split'] as [string, unknown] | undefined;
      if (split) {
        const joined = inline(split[1]) as Record<string, unknown>;
        const join = joined?.['Fn::Join'] as [string, unknown[]] | undefined;
        if (join && join[0] === split[0]) return join[1];
        return { 'Fn::Split': [split[0], joined] };
      }
      if (typeof o['Fn::ImportValue'] === 'string') {
        const value = exported.get(o['Fn::ImportValue']);
        if (value === undefined) throw new Error(`no export ${o['Fn::ImportValue']}`);
        return value;
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, inline(x)]));
    }
    return v;
  };
  const resources: Record<string, Resource> = { ...stateful.Resources };
  for (const [id, r] of Object.entries(stateless.Resources)) {
    if (id === 'CDKMetadata') continue;
    if (resources[id]) throw new Error(`logical id ${id} is in both stacks`);
    resources[id] = inline(r) as Resource;
  }
  return {
    Resources: resources,
    Outputs: { ...(stateful.Outputs ?? {}), ...(inline(stateless.Outputs ?? {}) as TemplateJson['Outputs']) },
  };
}

/** The context (feature flags) of cdk.json, as `cdk synth` uses it. */
export function cdkJsonContext(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
  ).context;
}

/** Logical id of an L2 construct's CloudFormation resource (in whichever stack it is). */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
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
    if (
      (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
      contains(p.Roles, ref(roleId))
    )
      out.push(...p.PolicyDocument!.Statement);
  }
  const role = resources[roleId]!.Properties as {
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  };
  for (const inline of role.Policies ?? []) out.push(...inline.PolicyDocument.Statement);
  return out;
}

/** What a synthesized (linked) template offers the tests. */
export function view(template: Template) {
  const json = template.toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  const resources = json.Resources;
  return {
    json,
    resources,
    id: (construct: IConstruct) => logicalId(construct),
    propsOf: (id: string): Record<string, unknown> => resources[id]!.Properties,
    ofType: (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type),
    /** Statements of an AppFunction's role. */
    statementsOf: (fn: AppFunction) => roleStatements(resources, logicalId(fn.role)),
    /** The environment variables of an AppFunction, as in the template. */
    envOf: (fn: AppFunction) =>
      (
        resources[logicalId(fn.function)]!.Properties['Environment'] as {
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
      if (attribute === 'DomainName') return 'd111111abcdef8.cloudfront.net';
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

/** The four statements of `denyPutsNotEncryptedWith` (infra/constructs/storage.ts) for a key. */
export function encryptionDenials(
  keyLogicalId: string,
): Record<string, Record<string, Record<string, unknown>>> {
  const SSE = 's3:x-amz-server-side-encryption';
  const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  return {
    DenyPutsNotEncryptedWithKms: { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'aws:kms' } },
    DenyKmsPutsWithoutTheKeyId: { Null: { [SSE]: 'false', [KEY_ID]: 'true' } },
    DenyPutsEncryptedWithAnotherKey: {
      Null: { [KEY_ID]: 'false' },
      StringNotEquals: { [KEY_ID]: arnOf(keyLogicalId) },
    },
    DenyPutsWithCustomerProvidedKeys: {
      Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' },
    },
  };
}

/** Asserts a bucket's properties block every kind of public access and disable ACLs (owner enforced). */
export function assertPrivateBucket(props: Record<string, unknown>): void {
  assert.deepEqual(props['PublicAccessBlockConfiguration'], {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  assert.deepEqual(props['OwnershipControls'], { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
}

/** The bucket policy statement that denies every request made without TLS (a `Match` for `arrayWith`). */
export const DENY_WITHOUT_TLS = Match.objectLike({
  Effect: 'Deny',
  Action: 's3:*',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/** The statements of a bucket's policy, by Sid. */
export function bucketPolicyBySid(
  resources: Record<string, Resource>,
  bucketLogicalId: string,
): Map<string, Statement> {
  const out = new Map<string, Statement>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::S3::BucketPolicy' || !contains(r.Properties['Bucket'], ref(bucketLogicalId)))
      continue;
    for (const s of (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement) {
      if (s.Sid) out.set(s.Sid, s);
    }
  }
  return out;
}
