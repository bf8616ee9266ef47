/**
 * Deployment configuration from the CDK context (`cdk synth -c key=value`, or `context` in
 * cdk.json). Every key is optional; `-c` values arrive as strings, cdk.json values may be JSON
 * (arrays, numbers), and both are accepted. Invalid values fail the synth with the key's name.
 *
 * | key                       | default                     | meaning                                                        |
 * | ------------------------- | --------------------------- | -------------------------------------------------------------- |
 * | `environment`             | `dev`                       | environment name (resource names, key aliases)                 |
 * | `allowedOrigins`          | none (no CORS)              | browser origins allowed to call the API (comma-separated/array)|
 * | `consoleUrls`             | `http://localhost:4580/`    | callback/logout URLs of the human (console) Cognito app client |
 * | `oidcIssuer`              | none (Cognito user pool)    | external OpenID issuer (e.g. ACM/IDM); needs `oidcAudience`    |
 * | `oidcAudience`            | —                           | accepted audiences (client ids) of the external issuer         |
 * | `oidcJwksUrl`             | `<issuer>/.well-known/jwks.json` | the external issuer's JWKS                                |
 * | `oidcClientInstitutions`  | `{}`                        | JSON: external client id → institution code                    |
 * | `checkpointRetentionDays` | 20 years                    | Object Lock default retention of audit checkpoints (tests)     |
 * | `apiRateLimit`            | 50                          | API steady-state requests per second (default stage)           |
 * | `apiBurstLimit`           | 100                         | API burst                                                      |
 */
import type { Node } from 'constructs';
import { defaultRegister } from '../shared/domain/institutions.js';

export interface ExternalIssuer {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUrl: string;
  /** OAuth client id → institution code (machine clients of institutions). */
  readonly clientInstitutions: Readonly<Record<string, string>>;
}

export interface DeployConfig {
  readonly allowedOrigins: readonly string[];
  readonly consoleUrls: readonly string[];
  /** Set: use this issuer and create no Cognito user pool. */
  readonly externalIssuer?: ExternalIssuer;
  /** Default retention of checkpoints; undefined: the ledger's retention (20 years). */
  readonly checkpointRetentionDays?: number;
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
}

export const DEFAULT_CONSOLE_URLS = ['http://localhost:4580/'];

export class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`CDK context "${key}": ${problem}`);
    this.name = 'ConfigError';
  }
}

/** A list from a JSON array, a JSON-array string or a comma-separated string. */
function list(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let items: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        throw new ConfigError(key, 'is not a valid JSON array');
      }
    } else {
      items = text.split(',');
    }
  }
  if (!Array.isArray(items) || !items.every((i) => typeof i === 'string')) {
    throw new ConfigError(key, 'must be a list of strings (JSON array or comma-separated)');
  }
  return items.map((i) => i.trim()).filter(Boolean);
}

function positiveInteger(key: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(key, `must be a positive integer, got "${String(value)}"`);
  return n;
}

function httpsUrl(key: string, value: string, allowLocalhost = false): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(key, `"${value}" is not a URL`);
  }
  const local = url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(allowLocalhost && local)) {
    throw new ConfigError(
      key,
      `"${value}" must use https${allowLocalhost ? ' (or be http://localhost)' : ''}`,
    );
  }
  return value;
}

/** A browser origin: scheme, host and optional port, nothing else; never `*`. */
function origin(key: string, value: string): string {
  httpsUrl(key, value, true);
  const url = new URL(value);
  if (url.origin !== value.replace(/\/$/, '')) {
    throw new ConfigError(key, `"${value}" is not an origin (scheme://host[:port], no path)`);
  }
  return url.origin;
}

function clientInstitutions(key: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigError(key, 'is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(key, 'must be a JSON object of client id → institution code');
  }
  for (const [clientId, code] of Object.entries(parsed)) {
    if (typeof code !== 'string' || !defaultRegister.byInstitutionCode(code)) {
      throw new ConfigError(
        key,
        `client ${clientId} is mapped to ${String(code)}, which is not in the institution register`,
      );
    }
  }
  return parsed as Record<string, string>;
}

/** Reads and validates the deployment configuration from a construct's context. */
export function readDeployConfig(node: Node): DeployConfig {
  const get = (key: string): unknown => node.tryGetContext(key);

  const issuer = get('oidcIssuer');
  const audience = get('oidcAudience');
  let externalIssuer: ExternalIssuer | undefined;
  if (issuer !== undefined && issuer !== '') {
    if (typeof issuer !== 'string') throw new ConfigError('oidcIssuer', 'must be a string');
    const audiences = list('oidcAudience', audience);
    if (!audiences?.length) throw new ConfigError('oidcAudience', 'is required with oidcIssuer');
    const jwks = get('oidcJwksUrl');
    if (jwks !== undefined && typeof jwks !== 'string')
      throw new ConfigError('oidcJwksUrl', 'must be a string');
    externalIssuer = {
      issuer: httpsUrl('oidcIssuer', issuer),
      audiences,
      jwksUrl: httpsUrl('oidcJwksUrl', jwks || `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`),
      clientInstitutions: clientInstitutions('oidcClientInstitutions', get('oidcClientInstitutions')),
    };
  } else {
    for (const key of ['oidcAudience', 'oidcJwksUrl', 'oidcClientInstitutions']) {
      if (get(key) !== undefined && get(key) !== '')
        throw new ConfigError(key, 'is only meaningful with oidcIssuer');
    }
  }

  const apiRateLimit = positiveInteger('apiRateLimit', get('apiRateLimit')) ?? 50;
  const apiBurstLimit = positiveInteger('apiBurstLimit', get('apiBurstLimit')) ?? 100;
  const checkpointRetentionDays = positiveInteger('checkpointRetentionDays', get('checkpointRetentionDays'));
  return {
    allowedOrigins: (list('allowedOrigins', get('allowedOrigins')) ?? []).map((o) =>
      origin('allowedOrigins', o),
    ),
    consoleUrls: (list('consoleUrls', get('consoleUrls')) ?? DEFAULT_CONSOLE_URLS).map((u) =>
      httpsUrl('consoleUrls', u, true),
    ),
    ...(externalIssuer ? { externalIssuer } : {}),
    ...(checkpointRetentionDays !== undefined ? { checkpointRetentionDays } : {}),
    apiRateLimit,
    apiBurstLimit,
  };
}
