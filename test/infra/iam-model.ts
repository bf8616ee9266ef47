/**
 * The synthesized policies of both stacks as input to a real IAM policy simulator
 * (`@cloud-copilot/iam-simulate`): identity policies per role, resource policies per resource —
 * bucket policies, KMS key policies, the DynamoDB table resource policy, queue and topic policies —
 * all with their intrinsic functions resolved to concrete ARNs in one account and region.
 *
 * `can(principal, action, resource, context)` asks the simulator for the decision AWS would take
 * for a same-account request (identity policy OR resource policy allows, no explicit deny; for KMS
 * the key policy must allow, directly or by delegating to the account). Besides every role of the
 * stacks, the model holds a hypothetical account administrator (`Action: *, Resource: *`), against
 * whom only resource policies protect.
 */
import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Resource, TemplateJson } from './stack-fixture.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';
const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'ruling-intake-dev',
  'AWS::NoValue': '',
};

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface Principal {
  readonly arn: string;
  /** Logical id of the role, or `AccountAdministrator`. */
  readonly id: string;
  readonly policies: readonly PolicyDocument[];
}

export interface Model {
  readonly principals: readonly Principal[];
  /** Resource policy by the ARN of the resource that carries it (bucket, key, table, queue, topic). */
  readonly resourcePolicies: ReadonlyMap<string, PolicyDocument>;
  /** Concrete value of a template value (`{ Ref }`, `{ Fn::GetAtt }`, `Fn::Join`…). */
  readonly resolve: (value: unknown) => unknown;
}

export const ADMINISTRATOR_ARN = `arn:aws:iam::${ACCOUNT}:role/AccountAdministrator`;

const keyId = (logicalId: string) => {
  const h = createHash('sha256').update(logicalId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Builds the model from the linked template of both stacks (see stack-fixture.ts `link`). */
export function buildModel(template: TemplateJson): Model {
  const resources = template.Resources;
  const nameOf = (id: string): string => {
    const r = resources[id];
    if (!r) throw new Error(`no resource ${id}`);
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return r.Properties['BucketName'] ? String(resolve(r.Properties['BucketName'])) : id.toLowerCase();
      case 'AWS::IAM::Role':
        return r.Properties['RoleName'] ? String(resolve(r.Properties['RoleName'])) : id;
      case 'AWS::KMS::Key':
        return keyId(id);
      case 'AWS::DynamoDB::Table':
        return `table-${id}`;
      default:
        return id;
    }
  };
  const arnOf = (id: string): string => {
    const r = resources[id]!;
    const name = nameOf(id);
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      case 'AWS::CloudFront::Distribution':
        return `arn:aws:cloudfront::${ACCOUNT}:distribution/${name}`;
      default:
        return `arn:aws:${r.Type.split('::')[1]!.toLowerCase()}:${REGION}:${ACCOUNT}:${name}`;
    }
  };
  const refOf = (id: string): string => {
    if (id in PSEUDO) return PSEUDO[id]!;
    const r = resources[id];
    if (!r) throw new Error(`Ref to unknown ${id}`);
    switch (r.Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
      case 'AWS::SNS::Topic':
        return arnOf(id);
      default:
        return nameOf(id);
    }
  };
  const getAtt = (id: string, attribute: string): string => {
    const r = resources[id];
    if (!r) throw new Error(`GetAtt of unknown ${id}`);
    if (attribute === 'Arn') return arnOf(id);
    if (attribute === 'QueueName') return id;
    if (attribute === 'QueueUrl') return refOf(id);
    if (attribute === 'KeyId') return keyId(id);
    if (attribute === 'DomainName' || attribute === 'RegionalDomainName')
      return `${id.toLowerCase()}.example`;
    if (attribute === 'ProviderURL') return `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_${id}`;
    return `${id}.${attribute}`;
  };
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      switch (k) {
        case 'Ref':
          return refOf(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = arg as [string, string];
          return getAtt(id, attribute);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (resolve(parts) as unknown[]).join(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
          return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (vars[name] !== undefined) return String(resolve(vars[name]));
            if (name in PSEUDO) return PSEUDO[name]!;
            const [id, attribute] = name.split('.') as [string, string | undefined];
            return attribute ? getAtt(id, attribute) : refOf(id);
          });
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(resolve(text)).split(sep);
        }
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
  };

  const doc = (v: unknown) => resolve(v) as PolicyDocument;
  const principals: Principal[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    // AWS Backup's service role (AWS's managed policy, assumable by backup.amazonaws.com only,
    // asserted in retention.test.ts) is not a principal of the service: no person or function
    // can act as it.
    if (JSON.stringify(r.Properties['AssumeRolePolicyDocument']).includes('"backup.amazonaws.com"')) continue;
    if (r.Properties['ManagedPolicyArns'] !== undefined) {
      throw new Error(`${id} has managed policies; the model cannot read their documents`);
    }
    const policies: PolicyDocument[] = [];
    for (const inline of (r.Properties['Policies'] as { PolicyDocument: unknown }[] | undefined) ?? []) {
      policies.push(doc(inline.PolicyDocument));
    }
    for (const p of Object.values(resources)) {
      if (p.Type !== 'AWS::IAM::Policy' && p.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const roles = (p.Properties['Roles'] as unknown[] | undefined) ?? [];
      if (roles.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: id }))) {
        policies.push(doc(p.Properties['PolicyDocument']));
      }
    }
    principals.push({ arn: arnOf(id), id, policies });
  }
  principals.push({
    arn: ADMINISTRATOR_ARN,
    id: 'AccountAdministrator',
    policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
  });

  const resourcePolicies = new Map<string, PolicyDocument>();
  const attach = (target: unknown, policy: unknown) => {
    const arn = target as string;
    const existing = resourcePolicies.get(arn);
    const d = doc(policy);
    resourcePolicies.set(
      arn,
      existing ? { ...existing, Statement: [...existing.Statement, ...d.Statement] } : d,
    );
  };
  const idOfRef = (v: unknown): string => (v as { Ref: string }).Ref;
  for (const [id, r] of Object.entries(resources) as [string, Resource][]) {
    const p = r.Properties;
    switch (r.Type) {
      case 'AWS::S3::BucketPolicy':
        attach(arnOf(idOfRef(p['Bucket'])), p['PolicyDocument']);
        break;
      case 'AWS::KMS::Key':
        attach(arnOf(id), p['KeyPolicy']);
        break;
      case 'AWS::DynamoDB::Table': {
        const rp = p['ResourcePolicy'] as { PolicyDocument: unknown } | undefined;
        if (rp) attach(arnOf(id), rp.PolicyDocument);
        break;
      }
      case 'AWS::SQS::QueuePolicy':
        for (const q of p['Queues'] as unknown[]) attach(arnOf(idOfRef(q)), p['PolicyDocument']);
        break;
      case 'AWS::SNS::TopicPolicy':
        for (const t of p['Topics'] as unknown[]) attach(arnOf(idOfRef(t)), p['PolicyDocument']);
        break;
    }
  }
  return { principals, resourcePolicies, resolve };
}

/** The resource policy that governs a request on `resource` (an object under a bucket, an index…). */
function resourcePolicyFor(model: Model, resource: string): PolicyDocument | undefined {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
  if (s3) return model.resourcePolicies.get(`arn:aws:s3:::${s3[1]}`);
  const table = /^(arn:aws:dynamodb:[^:]+:[^:]+:table\/[^/]+)/.exec(resource);
  if (table) return model.resourcePolicies.get(table[1]!);
  return model.resourcePolicies.get(resource);
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * Decisions already simulated, by principal (its policies), resource policy and request: a mutated
 * model shares every unchanged principal and policy object with the model it came from, so only
 * the requests the mutation touches are simulated again.
 */
const decided = new WeakMap<Principal, WeakMap<object, Map<string, Promise<Decision>>>>();
const NO_POLICY = {};

/** The simulator's decision for one request, with the request context AWS would add for a role. */
export function decide(
  model: Model,
  principal: Principal,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<Decision> {
  const policy = resourcePolicyFor(model, resource);
  let byPolicy = decided.get(principal);
  if (!byPolicy) decided.set(principal, (byPolicy = new WeakMap()));
  let requests = byPolicy.get(policy ?? NO_POLICY);
  if (!requests) byPolicy.set(policy ?? NO_POLICY, (requests = new Map()));
  const key = `${action} ${resource} ${JSON.stringify(context)}`;
  let decision = requests.get(key);
  if (!decision) {
    decision = simulate(principal, action, resource, context, policy);
    requests.set(key, decision);
  }
  return decision;
}

async function simulate(
  principal: Principal,
  action: string,
  resource: string,
  context: Record<string, string>,
  resourcePolicy: PolicyDocument | undefined,
): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {
          'aws:PrincipalArn': principal.arn,
          'aws:PrincipalAccount': ACCOUNT,
          'aws:PrincipalType': 'AssumedRole',
          'aws:SecureTransport': 'true',
          ...context,
        },
      },
      identityPolicies: principal.policies.map((policy, i) => ({ name: `${principal.id}-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') {
    throw new Error(`simulation of ${action} on ${resource} by ${principal.id}: ${result.errors.message}`);
  }
  return result.overallResult as Decision;
}

/**
 * Whether the principal can do it in any of the request contexts given (a caller chooses its own
 * headers, and a function may call directly or through S3 or SQS): the worst case for a "cannot".
 */
export async function can(
  model: Model,
  principal: Principal,
  action: string,
  resource: string,
  contexts: readonly Record<string, string>[] = [{}],
): Promise<boolean> {
  for (const context of contexts) {
    if ((await decide(model, principal, action, resource, context)) === 'Allowed') return true;
  }
  return false;
}

/** A copy of the model where `principal` has one more identity statement. */
export function withIdentityStatement(model: Model, principalId: string, statement: PolicyStatement): Model {
  return {
    ...model,
    principals: model.principals.map((p) =>
      p.id === principalId
        ? { ...p, policies: [...p.policies, { Version: '2012-10-17', Statement: [statement] }] }
        : p,
    ),
  };
}

/** A copy of the model without the statement `sid` in any identity policy of `principalId`. */
export function withoutIdentityStatement(model: Model, principalId: string, sid: string): Model {
  return {
    ...model,
    principals: model.principals.map((p) =>
      p.id === principalId
        ? {
            ...p,
            policies: p.policies.map((d) => ({ ...d, Statement: d.Statement.filter((s) => s.Sid !== sid) })),
          }
        : p,
    ),
  };
}

/** A copy of the model without the resource-policy statement `sid` on `resourceArn`. */
export function withoutResourceStatement(model: Model, resourceArn: string, sid: string): Model {
  const policies = new Map(model.resourcePolicies);
  const policy = policies.get(resourceArn);
  if (!policy || !policy.Statement.some((s) => s.Sid === sid)) {
    throw new Error(`no statement ${sid} on ${resourceArn}`);
  }
  policies.set(resourceArn, { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== sid) });
  return { ...model, resourcePolicies: policies };
}
