/**
 * The KMS keys (stateful): the four keys of `KEYS` — data (S3, DynamoDB, SQS, logs, name
 * encryption), HMAC (pseudonyms), signing (audit checkpoints), receipts (the clerks' receipts) —
 * and the alarm key, which encrypts
 * the alarm topic only (CloudWatch must be allowed to use the key of an encrypted topic, and that
 * grant is better given on a key that protects nothing else).
 *
 * Every statement of the key policies is written here from deterministic names only (the extracts
 * bucket, the log group prefix, the function roles, the alarm names; see naming.ts), so the
 * stateless stack's consumers never make a key depend on them: no export from the stateless stack,
 * no cycle. The key policies keep CDK's default statement (the account may delegate use through
 * IAM), and add:
 *
 * - HMAC key: a Deny of `GenerateMac`/`VerifyMac` to every principal whose ARN is not one of the
 *   pseudonymising functions' roles (`KEY_USERS.hmac`) — an administrator with `kms:*` cannot turn
 *   the key into an oracle that confirms a guessed national number;
 * - signing key: a Deny of `Sign` to every principal but the audit sealer's role (checkpoints);
 *   receipt key: the same for the clerk API's role (receipts, issue 16); webhook key: the same for
 *   the webhook delivery function's role (notifications, issue 16); anyone may read the public keys;
 * - data key: S3 may use it for the extracts bucket's event notifications to the encrypted queue,
 *   CloudWatch Logs for this environment's log groups.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEYS, SERVICE_NAME } from '../../shared/config/resources.js';
import {
  extractsBucketArn,
  functionRoleArn,
  keyAliasName,
  logGroupPrefix,
  type FunctionName,
} from '../naming.js';

export type KeyName = keyof typeof KEYS;
type KeyDefinition = (typeof KEYS)[KeyName];

/** The only functions whose roles may use the HMAC key (MACs) and the signing key (signatures). */
export const KEY_USERS: Readonly<Record<RestrictedKey, readonly FunctionName[]>> = {
  hmac: ['intake', 'api-institution', 'api-audit', 'api-admin'],
  // The sealer alone signs tree heads; the clerk API signs receipts (issue 16) with a key of their
  // own, so it can never sign a tree head.
  signing: ['audit-sealer'],
  receipts: ['api-clerk'],
  // The change feed's webhook notifications (issue 16): the delivery function alone signs them.
  webhooks: ['webhook-deliver'],
};

export type RestrictedKey = 'hmac' | 'signing' | 'receipts' | 'webhooks';

/** The key actions `KEY_USERS` restricts (other actions stay with IAM, e.g. `GetPublicKey`). */
export const RESTRICTED_KEY_ACTIONS: Readonly<Record<RestrictedKey, readonly string[]>> = {
  hmac: ['kms:GenerateMac', 'kms:VerifyMac'],
  signing: ['kms:Sign'],
  receipts: ['kms:Sign'],
  webhooks: ['kms:Sign'],
};

export const ALARM_KEY_ALIAS = `${SERVICE_NAME}/alarms`;

export interface KeyRingProps {
  readonly environment: string;
}

export class KeyRing extends Construct {
  readonly data: kms.Key;
  readonly hmac: kms.Key;
  readonly signing: kms.Key;
  /** Signs the clerks' receipts (not tree heads). */
  readonly receipts: kms.Key;
  /** Signs the change feed's webhook notifications. */
  readonly webhooks: kms.Key;
  /** Encrypts the alarm topic (CloudWatch alarms publish to it). */
  readonly alarms: kms.Key;

  constructor(scope: Construct, id: string, props: KeyRingProps) {
    super(scope, id);
    const { environment } = props;
    const key = (def: KeyDefinition, description: string): kms.Key =>
      new kms.Key(this, def.id, {
        description: `${SERVICE_NAME} (${environment}): ${description}`,
        keySpec: kms.KeySpec[def.spec],
        keyUsage: kms.KeyUsage[def.usage],
        enableKeyRotation: def.rotation,
        alias: keyAliasName(def.alias, environment),
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.data = key(KEYS.data, 'envelope encryption of extracts, tables, queues, logs and names');
    this.hmac = key(KEYS.hmac, 'keyed pseudonyms of national register numbers');
    this.signing = key(KEYS.signing, 'signatures of audit checkpoints');
    this.receipts = key(KEYS.receipts, "signatures of the clerks' receipts");
    this.webhooks = key(KEYS.webhooks, "signatures of the change feed's webhook notifications");
    this.alarms = new kms.Key(this, 'AlarmKey', {
      description: `${SERVICE_NAME} (${environment}): the alarm topic`,
      enableKeyRotation: true,
      alias: keyAliasName(ALARM_KEY_ALIAS, environment),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const stack = Stack.of(this);

    // Grants only for AWS services acting on our behalf (DynamoDB, SQS, S3, CloudWatch Logs, AWS
    // Backup): nobody may create a grant to pass a key on (Control Tower CT.KMS.PR.3).
    for (const k of [this.data, this.hmac, this.signing, this.receipts, this.webhooks, this.alarms]) {
      k.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'GrantsOnlyForAwsServices',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['kms:CreateGrant'],
          resources: ['*'],
          conditions: {
            BoolIfExists: {
              'kms:GrantIsForAWSResource': 'false',
              'aws:PrincipalIsAWSService': 'false',
            },
          },
        }),
      );
    }

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
          ArnEquals: { 'aws:SourceArn': extractsBucketArn(this, environment) },
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
              resourceName: `${logGroupPrefix(environment)}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    // Only the named functions may compute MACs or sign — whatever IAM grants anyone else.
    const onlyFor = (k: kms.Key, sid: string, which: RestrictedKey) =>
      k.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: [...RESTRICTED_KEY_ACTIONS[which]],
          resources: ['*'],
          conditions: {
            ArnNotEquals: {
              'aws:PrincipalArn': KEY_USERS[which].map((fn) => functionRoleArn(this, environment, fn)),
            },
          },
        }),
      );
    onlyFor(this.hmac, 'OnlyThePseudonymisingFunctionsComputeMacs', 'hmac');
    onlyFor(this.signing, 'OnlyTheAuditSealerSigns', 'signing');
    onlyFor(this.receipts, 'OnlyTheClerkApiSignsReceipts', 'receipts');
    onlyFor(this.webhooks, 'OnlyTheWebhookDeliverySigns', 'webhooks');

    // CloudWatch alarms publish to the encrypted alarm topic: SNS needs a data key on their behalf.
    // AWS documents this grant without conditions; the key encrypts alarm notifications only, and
    // the topic policy (monitoring.ts) lets only this environment's alarms publish.
    this.alarms.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
  }
}
