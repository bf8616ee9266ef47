/**
 * Physical names that must be known before the resources exist. Only where a name breaks a
 * dependency cycle is it fixed; everything else keeps CloudFormation's generated names.
 *
 * - The extracts bucket: its ARN appears in the data key's policy (S3 may use the key to write
 *   event notifications to the encrypted queue) and in the queue policy, while the bucket
 *   itself is encrypted with that key and notifies that queue. A generated name would make
 *   key → bucket → key a cycle.
 * - The log groups: the data key's policy lets CloudWatch Logs use it for these names only.
 */
import { Stack } from 'aws-cdk-lib';
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

/** KMS aliases are unique per account and region: the environment keeps them apart. */
export function keyAliasName(alias: string, environment: string): string {
  return `alias/${alias}/${environment}`;
}
