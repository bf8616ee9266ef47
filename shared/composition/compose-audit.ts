/**
 * Wiring of the audit sealer's ports from the environment (next to `compose.ts`, which wires the
 * intake): on AWS the KMS signing key (`SIGNING_KEY_ID`) and the Object Lock bucket
 * (`AUDIT_CHECKPOINT_BUCKET`); locally the EC key in the local key folder
 * (`RULING_INTAKE_LOCAL_KEYS`/signing.pem) and a folder of write-once files
 * (`RULING_INTAKE_LOCAL_CHECKPOINTS`, default `checkpoints/` next to the key folder).
 */
import { dirname, join } from 'node:path';
import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { AUDIT_CHECKPOINTS, ENV, KEYS, TABLES } from '../config/resources.js';
import type { AuditSealPorts, CheckpointStore, Signer } from '../ports/audit-seal.js';
import { DynamoAuditSource } from '../adapters/aws/dynamodb-audit-source.js';
import { DynamoAuditStats } from '../adapters/aws/dynamodb-audit-stats.js';
import { DynamoAuditVerification } from '../adapters/aws/dynamodb-audit-verification.js';
import { DynamoMerkleTiles } from '../adapters/aws/dynamodb-merkle-tiles.js';
import { RETENTION_YEARS } from '../config/retention.js';
import { alertThresholdsFrom } from '../domain/audit-alerts.js';
import { KmsSigner } from '../adapters/aws/kms-signer.js';
import { S3CheckpointStore } from '../adapters/aws/s3-checkpoints.js';
import { documentClient, kmsClient, s3Client } from './compose.js';
import { FolderCheckpointStore } from '../adapters/local/folder-checkpoints.js';
import { LocalSigner } from '../adapters/local/signer.js';

const env = (name: string): string =>
  getStringFromEnv({ key: name, errorMessage: `environment variable ${name} is not set` });
const optional = (name: string): string | undefined => process.env[name] || undefined;

export type { AuditSealPorts } from '../ports/audit-seal.js';

/** The local checkpoint folder: the env variable, else `checkpoints/` beside the local key folder. */
export function localCheckpointDir(): string {
  return optional(AUDIT_CHECKPOINTS.localEnv) ?? join(dirname(env(ENV.localKeyDir)), 'checkpoints');
}

let signing: { config: string; ports: { signer: Signer; checkpoints: CheckpointStore } } | undefined;

/**
 * Signer and checkpoint store: KMS + S3 Object Lock when SIGNING_KEY_ID is set, local files
 * otherwise. Cached per configuration (a warm Lambda fetches the KMS public key once).
 */
export function signingPorts(): { signer: Signer; checkpoints: CheckpointStore } {
  const keyId = optional(KEYS.signing.env);
  const config = JSON.stringify(
    keyId
      ? [keyId, optional(AUDIT_CHECKPOINTS.env)]
      : [optional(ENV.localKeyDir), optional(AUDIT_CHECKPOINTS.localEnv)],
  );
  if (signing?.config === config) return signing.ports;
  const ports = keyId
    ? {
        signer: new KmsSigner(kmsClient(), keyId),
        checkpoints: new S3CheckpointStore(s3Client(), env(AUDIT_CHECKPOINTS.env), {
          prefix: AUDIT_CHECKPOINTS.prefix,
        }),
      }
    : {
        signer: new LocalSigner(env(ENV.localKeyDir)),
        checkpoints: new FolderCheckpointStore(localCheckpointDir()),
      };
  signing = { config, ports };
  return ports;
}

/** Everything the sealer (and the verifier) need. */
export async function auditSealPorts(): Promise<AuditSealPorts> {
  const control = optional(TABLES.control.env);
  const verification = control ? new DynamoAuditVerification(documentClient(), control) : undefined;
  return {
    audit: new DynamoAuditSource(documentClient(), env(TABLES.audit.env)),
    ...signingPorts(),
    retentionYears: RETENTION_YEARS.audit,
    // The per-day counters, the verified head, the full verification and the Merkle tiles live in
    // the control table; a function without it (none today) skips them.
    ...(control && verification
      ? {
          stats: new DynamoAuditStats(documentClient(), control),
          alertThresholds: alertThresholdsFrom(process.env),
          verifiedHead: verification,
          fullVerification: verification,
          tiles: new DynamoMerkleTiles(documentClient(), control),
        }
      : {}),
  };
}

/** Forget the cached signer and store (tests that restart the local stack). */
export function resetAuditComposition(): void {
  signing = undefined;
}
