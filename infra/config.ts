/**
 * Deployment configuration from the CDK context (`cdk synth -c key=value`, or `context` in
 * cdk.json). Every key is optional; `-c` values arrive as strings, cdk.json values may be JSON
 * (arrays, numbers, booleans), and both are accepted. Invalid values fail the synth with the key's
 * name. The README's "Deploy to AWS" section documents the same table.
 *
 * | key                       | default                          | meaning                                                        |
 * | ------------------------- | -------------------------------- | -------------------------------------------------------------- |
 * | `environment`             | `dev`                            | environment name (resource names, key aliases, stack names)    |
 * | `alarmEmail`              | none (alarms reach the topic only)| e-mail address subscribed to the alarm topic                  |
 * | `allowedOrigins`          | none (no CORS)                   | other browser origins allowed to call the API directly          |
 * | `consoleUrls`             | none                             | extra console URLs for the Cognito client (e.g. a local console)|
 * | `consoleDomainName`       | none (the `*.cloudfront.net` name)| custom host name of the console; needs `consoleCertificateArn` |
 * | `consoleCertificateArn`   | —                                | ACM certificate (us-east-1) for `consoleDomainName`            |
 * | `consoleWebAclArn`        | none                             | AWS WAF web ACL (scope CLOUDFRONT) for the console distribution |
 * | `consoleConnectOrigins`   | none                             | extra origins the console may call (external issuer endpoints) |
 * | `oidcIssuer`              | none (Cognito user pool)         | external OpenID issuer (e.g. ACM/IDM); needs `oidcAudience`    |
 * | `oidcAudience`            | —                                | accepted audiences (client ids) of the external issuer         |
 * | `oidcJwksUrl`             | `<issuer>/.well-known/jwks.json` | the external issuer's JWKS                                     |
 * | `oidcClientInstitutions`  | `{}`                             | JSON: external client id → institution code                    |
 * | `oidcConsoleClientId`     | the first `oidcAudience`         | the console's public client at the external issuer             |
 * | `oidcRequiredAcr`         | none                             | accepted `acr` values of a person's token (external issuer)    |
 * | `oidcRequiredAmr`         | none                             | `amr` values of which a person's token must carry one (MFA)    |
 * | `oidcStudentNumberClaim`  | `national_number`                | the claim carrying a student's national number (e.g. `rrn`)    |
 * | `backupCopyVaultArn`      | none                             | AWS Backup vault (other region/account) for a copy of each monthly backup |
 * | `checkpointRetentionDays` | 20 years                         | Object Lock default retention of audit checkpoints (tests)     |
 * | `logRetentionDays`        | `LIMITS.logRetentionDays` (90)   | retention of every CloudWatch log group (a CloudWatch value)   |
 * | `accessLogRetentionDays`  | 365                              | retention of the S3 server access logs                         |
 * | `reserveConcurrency`      | `false`                          | reserve concurrency for the sealer and the ops check (opt in)  |
 * | `clientGenerations`       | `{}`                             | JSON: institution code → generation of its Cognito client (rotation) |
 * | `apiRateLimit`            | 50                               | API steady-state requests per second (default stage)           |
 * | `apiBurstLimit`           | 100                              | API burst                                                      |
 * | `signaturePolicy`         | `verify-if-present` with anchors, else `off` | DBRC's seal: `off`, `verify-if-present`, `required` |
 * | `signatureTrustAnchors`   | none                             | PEM CA certificates the seal must chain to                     |
 * | `alertMaxSelfDeclaredEnrolments` | 20                        | auditors' alert: self-declared enrolments per institution per UTC day above this |
 * | `alertMaxNonDhoReads`     | 50                               | auditors' alert: reads of students not enrolled through DHO, per institution per day |
 * | `alertMaxDeniedAttempts`  | 10                               | auditors' alert: denied attempts per institution per day       |
 * | `webhooks`                | `{}` (no notifications)          | JSON: institution code → https URL of its change-feed webhook  |
 */
import type { Node } from 'constructs';
import { X509Certificate } from 'node:crypto';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LIMITS } from '../shared/config/resources.js';
import {
  ALERT_KINDS,
  DEFAULT_ALERT_THRESHOLDS,
  type AlertKind,
  type AlertThresholds,
} from '../shared/domain/audit-alerts.js';

/** The CDK context key of each alert threshold (set in the functions as `ALERT_THRESHOLD_ENV`). */
export const ALERT_CONTEXT_KEYS: Readonly<Record<AlertKind, string>> = {
  'self-declared-enrolments': 'alertMaxSelfDeclaredEnrolments',
  'non-dho-reads': 'alertMaxNonDhoReads',
  'denied-attempts': 'alertMaxDeniedAttempts',
};
import { defaultRegister } from '../shared/domain/institutions.js';
import { SIGNATURE_POLICIES, type SignaturePolicy } from '../shared/domain/pdf-signature.js';
import { parseWebhookTargets, type WebhookTargets } from '../shared/domain/webhook.js';

export interface ExternalIssuer {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUrl: string;
  /** OAuth client id → institution code (machine clients of institutions). */
  readonly clientInstitutions: Readonly<Record<string, string>>;
  /** The console's public client (authorization code + PKCE) at this issuer. */
  readonly consoleClientId: string;
  /** A person's token must carry one of these `acr` values (e.g. ACM/IDM's levels 25–35). */
  readonly requiredAcr: readonly string[];
  /** A person's token's `amr` must contain one of these (multi-factor, e.g. `mfa`). */
  readonly requiredAmr: readonly string[];
  /** The claim carrying a student's national number (role `student`); default `national_number`. */
  readonly studentNumberClaim?: string;
}

/** A custom host name for the console distribution, with its ACM certificate (us-east-1). */
export interface ConsoleDomain {
  readonly domainName: string;
  readonly certificateArn: string;
}

export interface DeployConfig {
  /** Browser origins, other than the console's own, allowed to call the API (CORS). */
  readonly allowedOrigins: readonly string[];
  /** Extra console URLs registered with the Cognito console client (the CloudFront URL always is). */
  readonly consoleUrls: readonly string[];
  readonly consoleDomain?: ConsoleDomain;
  readonly consoleWebAclArn?: string;
  /** Extra origins in the console's `connect-src` (e.g. an external issuer's token endpoint). */
  readonly consoleConnectOrigins: readonly string[];
  /** Set: use this issuer and create no Cognito user pool. */
  readonly externalIssuer?: ExternalIssuer;
  /** A backup vault in another region or account receiving a copy of each monthly backup. */
  readonly backupCopyVaultArn?: string;
  /** Default retention of checkpoints; undefined: the ledger's retention (20 years). */
  readonly checkpointRetentionDays?: number;
  /** Retention of every CloudWatch log group of the service. */
  readonly logRetentionDays: RetentionDays;
  /** Retention of the S3 server access logs. */
  readonly accessLogRetentionDays: number;
  /** Subscribed to the alarm topic when set. */
  readonly alarmEmail?: string;
  /**
   * Reserve concurrency where it protects a downstream. Off by default: AWS refuses any reservation
   * while the account's concurrency quota is the new-account 10 (unreserved may not drop below 10).
   */
  readonly reserveConcurrency: boolean;
  readonly apiRateLimit: number;
  /** Thresholds of the auditors' alerts (per institution per UTC day). */
  readonly alertThresholds: AlertThresholds;
  readonly apiBurstLimit: number;
  /** Institution code → generation of its Cognito machine client (a new generation is a new client). */
  readonly clientGenerations: Readonly<Record<string, number>>;
  /** DBRC's seal on extracts: the policy and, unless `off`, the trust anchors (compact PEM). */
  readonly seal: SealConfig;
  /** Change-feed webhooks (issue 16): institution code → https URL; `{}`: no notifications. */
  readonly webhooks: WebhookTargets;
}

export interface SealConfig {
  readonly policy: SignaturePolicy;
  readonly trustAnchors?: string;
}

/**
 * Most the trust anchors may take of the intake function's environment: Lambda allows 4 KB for
 * all variables together, and the others take about 1 KB. Two or three CA certificates fit.
 */
export const MAX_TRUST_ANCHOR_CHARS = 3000;

export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 365;

/** Most the webhook configuration may take of a function's 4 KB environment (about 30 institutions). */
export const MAX_WEBHOOK_CONFIG_CHARS = 3000;

/** Every context key the configuration reads (besides `environment`); the README documents each. */
export const CONTEXT_KEYS = [
  'environment',
  'alarmEmail',
  'allowedOrigins',
  'consoleUrls',
  'consoleDomainName',
  'consoleCertificateArn',
  'consoleWebAclArn',
  'consoleConnectOrigins',
  'oidcIssuer',
  'oidcAudience',
  'oidcJwksUrl',
  'oidcClientInstitutions',
  'oidcConsoleClientId',
  'oidcRequiredAcr',
  'oidcRequiredAmr',
  'oidcStudentNumberClaim',
  'checkpointRetentionDays',
  'backupCopyVaultArn',
  'logRetentionDays',
  'accessLogRetentionDays',
  'reserveConcurrency',
  'clientGenerations',
  'apiRateLimit',
  'apiBurstLimit',
  'signaturePolicy',
  'signatureTrustAnchors',
  'webhooks',
  ...(Object.values(ALERT_CONTEXT_KEYS) as string[]),
] as const;

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

function wholeNumber(key: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(key, `must be a whole number ≥ 0, got "${String(value)}"`);
  return n;
}

function bool(key: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(key, `must be true or false, got "${String(value)}"`);
}

/** A claim name: letters, digits and `_ : / . -` (e.g. `rrn`, `national_number`, `urn:be:fedict:rrn`). */
function studentNumberClaim(value: unknown): { studentNumberClaim?: string } {
  const claim = str('oidcStudentNumberClaim', value);
  if (claim === undefined || claim === '') return {};
  if (!/^[A-Za-z][A-Za-z0-9_:/.-]{0,127}$/.test(claim))
    throw new ConfigError('oidcStudentNumberClaim', 'must be a claim name (letters, digits, _ : / . -)');
  return { studentNumberClaim: claim };
}

function str(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(key, 'must be a string');
  return value.trim();
}

/** A CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, … days). */
function retention(key: string, value: unknown): RetentionDays | undefined {
  const days = positiveInteger(key, value);
  if (days === undefined) return undefined;
  if (!(Object.values(RetentionDays) as unknown[]).includes(days)) {
    throw new ConfigError(key, `${days} is not a retention period CloudWatch Logs accepts`);
  }
  return days as RetentionDays;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CLOUDFRONT_CERTIFICATE = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/;
const BACKUP_VAULT = /^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$/;
const CLOUDFRONT_WEB_ACL = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/;

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

/** A context value that is a JSON object (given as JSON text on the command line, or as an object in cdk.json). */
function jsonObject(key: string, value: unknown, shape: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigError(key, 'is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(key, `must be a JSON object of ${shape}`);
  }
  return parsed as Record<string, unknown>;
}

function clientInstitutions(key: string, value: unknown): Record<string, string> {
  const parsed = jsonObject(key, value, 'client id → institution code');
  if (!parsed) return {};
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

function clientGenerations(key: string, value: unknown): Record<string, number> {
  const parsed = jsonObject(key, value, 'institution code → generation (a positive integer)');
  if (!parsed) return {};
  for (const [code, generation] of Object.entries(parsed)) {
    if (!defaultRegister.byInstitutionCode(code))
      throw new ConfigError(key, `${code} is not in the institution register`);
    if (!Number.isInteger(generation) || (generation as number) < 1)
      throw new ConfigError(key, `the generation of ${code} must be a positive integer`);
  }
  return parsed as Record<string, number>;
}

/**
 * The seal configuration: every PEM block must be a CA certificate (a trust anchor, not the seal
 * certificate itself); the bundle is re-encoded compactly (one base64 line per certificate) and
 * must fit the function's environment. A policy other than `off` needs anchors.
 */
function sealConfig(policyValue: unknown, anchorsValue: unknown): SealConfig {
  const text = str('signatureTrustAnchors', anchorsValue);
  let trustAnchors: string | undefined;
  if (text !== undefined) {
    const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
    if (blocks.length === 0) throw new ConfigError('signatureTrustAnchors', 'holds no PEM certificate');
    trustAnchors = blocks
      .map((b, i) => {
        const der = Buffer.from(b[1]!.replace(/\s+/g, ''), 'base64');
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(der);
        } catch {
          throw new ConfigError('signatureTrustAnchors', `certificate ${i + 1} cannot be read`);
        }
        if (!cert.ca) {
          throw new ConfigError(
            'signatureTrustAnchors',
            `certificate ${i + 1} (${cert.subject}) is not a CA certificate`,
          );
        }
        return `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
      })
      .join('');
    if (trustAnchors.length > MAX_TRUST_ANCHOR_CHARS) {
      throw new ConfigError(
        'signatureTrustAnchors',
        `${trustAnchors.length} characters; at most ${MAX_TRUST_ANCHOR_CHARS} fit the function's 4 KB environment`,
      );
    }
  }
  const given = str('signaturePolicy', policyValue);
  if (given !== undefined && !(SIGNATURE_POLICIES as readonly string[]).includes(given)) {
    throw new ConfigError(
      'signaturePolicy',
      `must be one of ${SIGNATURE_POLICIES.join(', ')}, got "${given}"`,
    );
  }
  const policy = (given as SignaturePolicy | undefined) ?? (trustAnchors ? 'verify-if-present' : 'off');
  if (policy !== 'off' && !trustAnchors) {
    throw new ConfigError('signaturePolicy', `"${policy}" needs signatureTrustAnchors`);
  }
  return { policy, ...(trustAnchors ? { trustAnchors } : {}) };
}

/**
 * The webhooks: a JSON object of institution code → URL; codes of the register, https only (no
 * loopback http on AWS), and the whole must fit the functions' 4 KB environment.
 */
function webhooks(value: unknown): WebhookTargets {
  let targets: WebhookTargets;
  try {
    targets = parseWebhookTargets(value);
  } catch (e) {
    throw new ConfigError('webhooks', (e as Error).message);
  }
  if (JSON.stringify(targets).length > MAX_WEBHOOK_CONFIG_CHARS)
    throw new ConfigError(
      'webhooks',
      `longer than ${MAX_WEBHOOK_CONFIG_CHARS} characters (4 KB Lambda environment)`,
    );
  return targets;
}

/** Reads and validates the deployment configuration from a construct's context. */
export function readDeployConfig(node: Node): DeployConfig {
  const get = (key: (typeof CONTEXT_KEYS)[number]): unknown => node.tryGetContext(key);

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
    const consoleClientId = str('oidcConsoleClientId', get('oidcConsoleClientId')) ?? audiences[0]!;
    externalIssuer = {
      issuer: httpsUrl('oidcIssuer', issuer),
      audiences,
      jwksUrl: httpsUrl('oidcJwksUrl', jwks || `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`),
      clientInstitutions: clientInstitutions('oidcClientInstitutions', get('oidcClientInstitutions')),
      consoleClientId,
      requiredAcr: list('oidcRequiredAcr', get('oidcRequiredAcr')) ?? [],
      requiredAmr: list('oidcRequiredAmr', get('oidcRequiredAmr')) ?? [],
      ...studentNumberClaim(get('oidcStudentNumberClaim')),
    };
  } else {
    for (const key of [
      'oidcAudience',
      'oidcJwksUrl',
      'oidcClientInstitutions',
      'oidcConsoleClientId',
      'oidcRequiredAcr',
      'oidcRequiredAmr',
      'oidcStudentNumberClaim',
    ] as const) {
      if (get(key) !== undefined && get(key) !== '')
        throw new ConfigError(key, 'is only meaningful with oidcIssuer');
    }
  }

  const domainName = str('consoleDomainName', get('consoleDomainName'))?.toLowerCase();
  const certificateArn = str('consoleCertificateArn', get('consoleCertificateArn'));
  if (domainName !== undefined && !HOST_NAME.test(domainName))
    throw new ConfigError('consoleDomainName', `"${domainName}" is not a host name`);
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new ConfigError(
      domainName === undefined ? 'consoleCertificateArn' : 'consoleDomainName',
      'consoleDomainName and consoleCertificateArn go together',
    );
  }
  if (certificateArn !== undefined && !CLOUDFRONT_CERTIFICATE.test(certificateArn)) {
    throw new ConfigError(
      'consoleCertificateArn',
      'must be an ACM certificate ARN in us-east-1 (CloudFront)',
    );
  }
  const consoleWebAclArn = str('consoleWebAclArn', get('consoleWebAclArn'));
  if (consoleWebAclArn !== undefined && !CLOUDFRONT_WEB_ACL.test(consoleWebAclArn)) {
    throw new ConfigError(
      'consoleWebAclArn',
      'must be a WAFv2 web ACL ARN of scope CLOUDFRONT (us-east-1, global/webacl)',
    );
  }

  const backupCopyVaultArn = str('backupCopyVaultArn', get('backupCopyVaultArn'));
  if (backupCopyVaultArn !== undefined && !BACKUP_VAULT.test(backupCopyVaultArn))
    throw new ConfigError('backupCopyVaultArn', `"${backupCopyVaultArn}" is not an AWS Backup vault ARN`);

  const alarmEmail = str('alarmEmail', get('alarmEmail'));
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail))
    throw new ConfigError('alarmEmail', `"${alarmEmail}" is not an e-mail address`);

  const apiRateLimit = positiveInteger('apiRateLimit', get('apiRateLimit')) ?? 50;
  const apiBurstLimit = positiveInteger('apiBurstLimit', get('apiBurstLimit')) ?? 100;
  const checkpointRetentionDays = positiveInteger('checkpointRetentionDays', get('checkpointRetentionDays'));
  return {
    allowedOrigins: (list('allowedOrigins', get('allowedOrigins')) ?? []).map((o) =>
      origin('allowedOrigins', o),
    ),
    consoleUrls: (list('consoleUrls', get('consoleUrls')) ?? []).map((u) => httpsUrl('consoleUrls', u, true)),
    ...(domainName && certificateArn ? { consoleDomain: { domainName, certificateArn } } : {}),
    ...(consoleWebAclArn ? { consoleWebAclArn } : {}),
    consoleConnectOrigins: (list('consoleConnectOrigins', get('consoleConnectOrigins')) ?? []).map((o) =>
      origin('consoleConnectOrigins', o),
    ),
    ...(externalIssuer ? { externalIssuer } : {}),
    ...(checkpointRetentionDays !== undefined ? { checkpointRetentionDays } : {}),
    ...(backupCopyVaultArn ? { backupCopyVaultArn } : {}),
    logRetentionDays:
      retention('logRetentionDays', get('logRetentionDays')) ??
      (LIMITS.logRetentionDays as number as RetentionDays),
    accessLogRetentionDays:
      positiveInteger('accessLogRetentionDays', get('accessLogRetentionDays')) ??
      DEFAULT_ACCESS_LOG_RETENTION_DAYS,
    ...(alarmEmail ? { alarmEmail } : {}),
    reserveConcurrency: bool('reserveConcurrency', get('reserveConcurrency')) ?? false,
    apiRateLimit,
    apiBurstLimit,
    alertThresholds: Object.fromEntries(
      ALERT_KINDS.map((kind) => [
        kind,
        wholeNumber(ALERT_CONTEXT_KEYS[kind], get(ALERT_CONTEXT_KEYS[kind])) ??
          DEFAULT_ALERT_THRESHOLDS[kind],
      ]),
    ) as Record<AlertKind, number>,
    clientGenerations: clientGenerations('clientGenerations', get('clientGenerations')),
    seal: sealConfig(get('signaturePolicy'), get('signatureTrustAnchors')),
    webhooks: webhooks(get('webhooks')),
  };
}
