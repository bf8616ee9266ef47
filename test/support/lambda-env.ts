/**
 * The environment Lambda would give a function of this service, with placeholder values (nothing
 * is called): region and function name, the service name, the extracts bucket, the data and HMAC
 * keys, and every table. Used to run bundles as on Lambda (test/infra/bundle.test.ts) and to time
 * their import (test/bench/cold-start.ts).
 */
import { ENV, EXTRACTS_BUCKET, KEYS, SERVICE_NAME, TABLES } from '../../shared/config/resources.js';

/** What Lambda would set for `functionName`, plus `extra` (a caller's own variables). */
export function lambdaEnv(functionName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    [ENV.serviceName]: SERVICE_NAME,
    [EXTRACTS_BUCKET.env]: 'extracts',
    [KEYS.data.env]: 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000',
    [KEYS.hmac.env]: '00000000-0000-0000-0000-000000000001',
    ...Object.fromEntries(Object.values(TABLES).map((t) => [t.env, t.id])),
    ...extra,
  };
}
