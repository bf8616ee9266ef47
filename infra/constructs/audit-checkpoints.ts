/**
 * The write-once store of signed audit checkpoints (stateful): an S3 bucket with Object Lock in
 * COMPLIANCE mode — no principal, root included, can delete or overwrite a locked version before
 * its retention ends, nor shorten that retention — versioned, SSE-KMS with the data key, TLS only,
 * no public access, bucket-owner-enforced ownership, and a bucket policy that denies every
 * DeleteObject* to everyone (belt and braces; Object Lock already refuses deleting a locked
 * version, and the deny also stops delete markers from hiding the current checkpoint), and that
 * refuses any put without `If-None-Match: *`, so a checkpoint cannot be shadowed by a new version.
 *
 * Default retention: the ledger's 20 years (`AUDIT_CHECKPOINTS.retentionYears`), or
 * `checkpointRetentionDays` from the context for short-lived test environments.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AUDIT_CHECKPOINTS } from '../../shared/config/resources.js';
import { ACCESS_LOG_PREFIXES, denyPutsNotEncryptedWith } from './storage.js';

export interface AuditCheckpointsProps {
  readonly dataKey: kms.IKey;
  /** Receives the bucket's S3 server access logs (under `checkpoints/`). */
  readonly accessLogs: s3.IBucket;
  /** Default Object Lock retention in days; undefined: `AUDIT_CHECKPOINTS.retentionYears` years. */
  readonly retentionDays?: number;
}

export class AuditCheckpoints extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditCheckpointsProps) {
    super(scope, id);
    const { dataKey } = props;
    this.bucket = new s3.Bucket(this, AUDIT_CHECKPOINTS.id, {
      objectLockEnabled: true,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: dataKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIXES.checkpoints,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Whole years when the default applies (CDK's ObjectLockRetention renders days only).
    const cfn = this.bucket.node.defaultChild as s3.CfnBucket;
    cfn.objectLockConfiguration = {
      objectLockEnabled: 'Enabled',
      rule: {
        defaultRetention: {
          mode: AUDIT_CHECKPOINTS.lockMode,
          ...(props.retentionDays !== undefined
            ? { days: props.retentionDays }
            : { years: AUDIT_CHECKPOINTS.retentionYears }),
        },
      },
    };

    const objects = this.bucket.arnForObjects('*');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeletingCheckpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject*'],
        resources: [objects],
      }),
    );
    // Write-once by key too: a put must carry `If-None-Match: *` (the sealer's does), so no
    // principal can add a newer version over an existing checkpoint.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOverwritingCheckpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
    // As on the extracts bucket: only SSE-KMS with the data key (the sealer's puts name no
    // encryption and get the bucket default).
    denyPutsNotEncryptedWith(this.bucket, dataKey);
  }
}
