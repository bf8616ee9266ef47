/**
 * Physical names that must be known before the resources exist. Only where a name breaks a
 * dependency cycle is it fixed; everything else keeps CloudFormation's generated names.
 *
 * - The extracts bucket: its ARN appears in the data key's policy (S3 may use the key to write
 *   event notifications to the encrypted queue) and in the queue policy, while the bucket
 *   itself is encrypted with that key and notifies that queue. A generated name would make
 *   key → bucket → key a cycle.
 * - The log groups: the data key's policy lets CloudWatch Logs use it for names under the
 *   environment's prefix only. The stateless stack's log groups are retained when it is destroyed
 *   (the logs stay readable until their retention ends), so their names end in the stack's own id
 *   (`stackLogGroupName`): a redeployed stack gets new log groups instead of failing on the retained
 *   ones with "already exists".
 * - The function roles: the HMAC and signing keys (stateful stack) deny their use to every
 *   principal but the functions that need them, and the extracts bucket denies deletes to every
 *   principal but the intake function. Those policies name the roles by ARN, built from the fixed
 *   role name, so the stateful stack never refers to the stateless one (no export, no cycle), and
 *   KMS does not reject the policy for naming a role that does not exist yet (the ARN sits in a
 *   condition, which KMS does not resolve).
 * - The alarms: the alarm key lets CloudWatch use it for this environment's alarms only.
 * - The Cognito domain prefix: the console's Content-Security-Policy names the token endpoint.
 */
import { ArnFormat, Aws, Fn, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { EXTRACTS_BUCKET, SERVICE_NAME } from '../shared/config/resources.js';

/** Environment names become part of bucket names and key aliases: short, lower-case. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,11}$/;

export function assertEnvironmentName(environment: string): string {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new Error(
      `environment "${environment}" must match ${ENVIRONMENT_NAME} (it is part of bucket names and key aliases)`,
    );
  }
  return environment;
}

/** `ruling-intake-extracts-<env>-<account>-<region>` (at most 63 characters). */
export function extractsBucketName(scope: IConstruct, environment: string): string {
  const stack = Stack.of(scope);
  return `${SERVICE_NAME}-${EXTRACTS_BUCKET.id.toLowerCase()}-${environment}-${stack.account}-${stack.region}`;
}

export function extractsBucketArn(scope: IConstruct, environment: string): string {
  return Stack.of(scope).formatArn({
    service: 's3',
    region: '',
    account: '',
    resource: extractsBucketName(scope, environment),
  });
}

/** Every log group of this environment lives under this prefix. */
export function logGroupPrefix(environment: string): string {
  return `/${SERVICE_NAME}/${environment}/`;
}

/**
 * `/ruling-intake/<env>/<name>-<last group of the stack's UUID>`: under the environment's prefix
 * (the data key's policy), unique to one deployment of the stack (a new UUID each time the stack is
 * created), so a log group retained by a destroyed stack never blocks the next deployment.
 * `aws logs tail` finds them with `--log-group-name-prefix /ruling-intake/<env>/<name>`.
 */
export function stackLogGroupName(environment: string, name: string): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return `${logGroupPrefix(environment)}${name}-${Fn.select(4, Fn.split('-', stackUuid))}`;
}

/** KMS aliases are unique per account and region: the environment keeps them apart. */
export function keyAliasName(alias: string, environment: string): string {
  return `alias/${alias}/${environment}`;
}

/** The stack names: the stateful stack keeps the name the single stack had, so its logical ids stay. */
export function stackNames(environment: string): { readonly stateful: string; readonly stateless: string } {
  return { stateful: `${SERVICE_NAME}-${environment}`, stateless: `${SERVICE_NAME}-${environment}-app` };
}

/** Every Lambda function of the service, by its short name (log group, role name, alarms). */
export const FUNCTION_NAMES = [
  'intake',
  'api-clerk',
  'api-institution',
  'api-audit',
  'api-admin',
  'audit-sealer',
  'ops-check',
  'change-relay',
  'webhook-deliver',
] as const;
/** Functions of the stateful stack: the Cognito trigger lives beside its user pool (no cross-stack cycle). */
export const STATEFUL_FUNCTION_NAMES = ['pre-token'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number] | (typeof STATEFUL_FUNCTION_NAMES)[number];

/** `ruling-intake-<env>-<function>` (IAM role names are at most 64 characters). */
export function functionRoleName(environment: string, fn: FunctionName): string {
  const name = `${SERVICE_NAME}-${environment}-${fn}`;
  if (name.length > 64) throw new Error(`role name ${name} is longer than 64 characters`);
  return name;
}

/** The role's ARN, built from its fixed name (no reference to the role resource). */
export function functionRoleArn(scope: IConstruct, environment: string, fn: FunctionName): string {
  return Stack.of(scope).formatArn({
    service: 'iam',
    region: '',
    resource: 'role',
    resourceName: functionRoleName(environment, fn),
  });
}

/** Every alarm of this environment is named `ruling-intake-<env>-<alarm>`. */
export function alarmName(environment: string, alarm: string): string {
  return `${SERVICE_NAME}-${environment}-${alarm}`;
}

/** ARN pattern of this environment's alarms (the alarm key and topic policies use it). */
export function alarmArnPattern(scope: IConstruct, environment: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: alarmName(environment, '*'),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Prefix of the Cognito managed-login domain: `https://<prefix>.auth.<region>.amazoncognito.com`. */
export function cognitoDomainPrefix(scope: IConstruct, environment: string): string {
  return `${SERVICE_NAME}-${environment}-${Stack.of(scope).account}`;
}

/** The Cognito managed login (authorize and token endpoints) of this environment. */
export function cognitoDomainUrl(scope: IConstruct, environment: string): string {
  return `https://${cognitoDomainPrefix(scope, environment)}.auth.${Stack.of(scope).region}.amazoncognito.com`;
}

/** Origin of Cognito's OpenID issuers (discovery and JWKS) in this region. */
export function cognitoIssuerOrigin(scope: IConstruct): string {
  return `https://cognito-idp.${Stack.of(scope).region}.${Aws.URL_SUFFIX}`;
}

/** The regional virtual-hosted endpoint presigned POSTs to the extracts bucket go to. */
export function extractsBucketOrigin(scope: IConstruct, environment: string): string {
  return `https://${extractsBucketName(scope, environment)}.s3.${Stack.of(scope).region}.${Aws.URL_SUFFIX}`;
}
