/**
 * The three KMS keys of `KEYS` (stateful): data (S3, DynamoDB, SQS, logs, name encryption),
 * HMAC (pseudonyms) and signing (audit checkpoints). Every statement of their key policies is
 * written here, from deterministic names only, so moving consumers to another stack never
 * makes a key depend on them.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEYS, SERVICE_NAME } from '../../shared/config/resources.js';
import { extractsBucketArn, keyAliasName, logGroupPrefix } from '../naming.js';

export type KeyName = keyof typeof KEYS;
type KeyDefinition = (typeof KEYS)[KeyName];

export interface KeyRingProps {
  readonly environment: string;
}

export class KeyRing extends Construct {
  readonly data: kms.Key;
  readonly hmac: kms.Key;
  readonly signing: kms.Key;

  constructor(scope: Construct, id: string, props: KeyRingProps) {
    super(scope, id);
    const key = (def: KeyDefinition, description: string): kms.Key =>
      new kms.Key(this, def.id, {
        description: `${SERVICE_NAME} (${props.environment}): ${description}`,
        keySpec: kms.KeySpec[def.spec],
        keyUsage: kms.KeyUsage[def.usage],
        enableKeyRotation: def.rotation,
        alias: keyAliasName(def.alias, props.environment),
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.data = key(KEYS.data, 'envelope encryption of extracts, tables, queues, logs and names');
    this.hmac = key(KEYS.hmac, 'keyed pseudonyms of national register numbers');
    this.signing = key(KEYS.signing, 'signatures of audit checkpoints');

    const stack = Stack.of(this);

    // S3 encrypts the ObjectCreated notifications it sends to the intake queue (SSE-KMS with this
    // key), but only for the extracts bucket of this account.
    this.data.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3NotificationsFromTheExtractsBucket',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': extractsBucketArn(this, props.environment) },
        },
      }),
    );

    // CloudWatch Logs encrypts this environment's log groups with the data key.
    this.data.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisEnvironment',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroupPrefix(props.environment)}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
