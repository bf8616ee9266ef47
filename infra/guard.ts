/**
 * CDK policy validation with the AWS Control Tower proactive controls (cfn-guard rules of
 * `@cdklabs/cdk-validator-cfnguard`, whose package carries the cfn-guard binary: nothing is
 * downloaded), run at every synth next to cdk-nag (infra/app.ts). Every finding this design
 * accepts is acknowledged here, on the named resources only, with its reason, as infra/nag.ts
 * does for cdk-nag; any other finding fails the synth. test/infra/guard.test.ts runs the rules.
 */
import { Validations, type CfnResource } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { constructAt } from './nag.js';
import type { RulingIntakeApp } from './stack.js';

export const GUARD_PLUGIN = 'cdk-validator-cfnguard';

export interface GuardAcknowledgment {
  /** The guard rule (`cloudfront_access_logs_enabled_check`) and its Control Tower control id. */
  readonly rule: string;
  readonly control: string;
  readonly reason: string;
  /** The resources it applies to: paths of CloudFormation resources relative to their stack. */
  readonly stateful?: readonly string[];
  readonly stateless?: readonly string[];
  /** …or every resource of the stateless stack of these CloudFormation types (and `filter`). */
  readonly statelessTypes?: readonly string[];
  readonly filter?: (resource: CfnResource) => boolean;
  readonly when?: (app: RulingIntakeApp) => boolean;
}

const LOG_RETENTION =
  'Function and access logs are kept logRetentionDays (90 by default, configurable): they hold intake ids and reason codes, no personal data, and are operational. What must be kept for years is in DynamoDB and AWS Backup: the ledger and the signed audit trail (20 years).';

const CONSOLE_CERTIFICATE =
  'Without a custom domain CloudFront serves *.cloudfront.net with its default certificate (no ACM certificate, no SNI choice, minimum protocol fixed by CloudFront). Set consoleDomainName and consoleCertificateArn to serve the console with an ACM certificate over SNI and TLSv1.2_2021 (same as cdk-nag CFR4).';

export const GUARD_ACKNOWLEDGMENTS: readonly GuardAcknowledgment[] = [
  {
    rule: 'api_gw_v2_authorization_type_configured_check',
    control: 'CT.APIGATEWAY.PR.5',
    stateless: ['Api/GetOpenApiRoute/Resource'],
    reason:
      'GET /v1/openapi.json is the public description of the API (no data); every other route has the JWT authorizer (test/infra/api.test.ts).',
  },
  {
    rule: 'cloudfront_origin_failover_enabled_check',
    control: 'CT.CLOUDFRONT.PR.4',
    stateful: ['Console/Distribution/Resource'],
    reason:
      'The console is a few static files in one regional bucket plus the regional API; a second origin would need a replicated bucket in another region while the API, the data and the keys stay in this one — a failover console would have nothing to talk to.',
  },
  {
    rule: 'cloudfront_access_logs_enabled_check',
    control: 'CT.CLOUDFRONT.PR.5',
    stateful: ['Console/Distribution/Resource'],
    reason:
      "CloudFront access logs record full request paths, and API paths carry national register numbers (architecture invariant 4). The API stage's access log records every API request by route key; the static files need no log (same as cdk-nag CFR3).",
  },
  ...(
    [
      ['cloudfront_custom_ssl_certificate_check', 'CT.CLOUDFRONT.PR.6'],
      ['cloudfront_sni_enabled_check', 'CT.CLOUDFRONT.PR.7'],
      ['cloudfront_security_policy_check', 'CT.CLOUDFRONT.PR.9'],
    ] as const
  ).map(([rule, control]): GuardAcknowledgment => ({
    rule,
    control,
    stateful: ['Console/Distribution/Resource'],
    reason: CONSOLE_CERTIFICATE,
    when: (app) => app.stateful.config.consoleDomain === undefined,
  })),
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    control: 'CT.CLOUDWATCH.PR.2',
    statelessTypes: ['AWS::Logs::LogGroup'],
    reason: LOG_RETENTION,
  },
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    control: 'CT.CLOUDWATCH.PR.2',
    // The Cognito trigger's log group lives in the stateful stack, beside its user pool.
    stateful: ['Identity/PreToken/Logs/Resource'],
    reason: LOG_RETENTION,
    when: (app) => app.stateful.identity.preToken !== undefined,
  },
  {
    rule: 'cloudwatch_log_group_encrypted_check',
    control: 'CT.CLOUDWATCH.PR.3',
    statelessTypes: ['AWS::Logs::LogGroup'],
    reason:
      "Every log group IS encrypted with the data key, whose ARN the app stack imports from the stateful stack (Fn::ImportValue): the rule cannot read an intrinsic function. test/infra/environment.test.ts asserts each log group's KmsKeyId.",
  },
  {
    rule: 'lambda_function_public_access_prohibited_check',
    control: 'CT.LAMBDA.PR.2',
    statelessTypes: ['AWS::Lambda::Permission'],
    filter: (r) => (r as CfnPermission).principal === 'apigateway.amazonaws.com',
    reason:
      "Each API Gateway permission names the service principal and a SourceArn limited to one route of this API; the SourceArn is built from the API id the stateful stack exports (Fn::ImportValue), which the rule cannot read. Nothing is public (the schedules' permissions pass as they are).",
  },
  {
    rule: 'lambda_inside_vpc_check',
    control: 'CT.LAMBDA.PR.3',
    statelessTypes: ['AWS::Lambda::Function'],
    reason:
      'The functions call only AWS APIs (S3, DynamoDB, KMS, SQS), over TLS with IAM; no private network resource exists. A VPC would add NAT or six interface endpoints (cost, cold starts) and no control the key, bucket and table policies do not already enforce.',
  },
  {
    rule: 'lambda_inside_vpc_check',
    control: 'CT.LAMBDA.PR.3',
    stateful: ['Identity/PreToken/Function/Resource'],
    reason:
      "The Cognito pre-token trigger calls no service and no network at all: it reads the event's user attributes and answers the claims. A VPC would add cost and cold starts to every sign-in and control nothing.",
    when: (app) => app.stateful.identity.preToken !== undefined,
  },
  {
    rule: 's3_bucket_default_encryption_kms_check',
    control: 'CT.S3.PR.10',
    stateful: ['Storage/AccessLogs/Resource', 'Console/Files/Resource'],
    reason:
      'S3 server access logs can only be delivered to an SSE-S3 bucket; the console bucket holds the public static console served through CloudFront. Neither holds personal data; both are SSE-S3 encrypted. Extracts and checkpoints use the KMS data key.',
  },
  {
    rule: 's3_bucket_versioning_enabled_check',
    control: 'CT.S3.PR.11',
    stateful: ['Storage/AccessLogs/Resource', 'Console/Files/Resource'],
    reason:
      'Access logs are written once by S3 and expire; the console files are rebuilt from the repository at every deploy. Versions would only keep copies of what exists elsewhere.',
  },
  {
    rule: 's3_bucket_logging_enabled_check',
    control: 'CT.S3.PR.2',
    stateful: ['Storage/AccessLogs/Resource'],
    reason:
      'This is the access-log bucket: logging it into itself would log every log delivery, without end. Every other bucket logs into it.',
  },
  {
    rule: 's3_version_lifecycle_policy_check',
    control: 'CT.S3.PR.3',
    stateful: ['AuditTrail/AuditCheckpoints/Resource'],
    reason:
      'Checkpoints are write-once under Object Lock (compliance mode, 20 years): no object may be expired before its retention, and no noncurrent versions are created (If-None-Match puts).',
  },
  {
    rule: 's3_event_notifications_enabled_check',
    control: 'CT.S3.PR.4',
    stateful: [
      'AuditTrail/AuditCheckpoints/Resource',
      'Console/Files/Resource',
      'Storage/AccessLogs/Resource',
    ],
    reason:
      'Nothing consumes events of these buckets: checkpoints are read by verification, console files by CloudFront, access logs by people. Only the extracts bucket drives the intake (and notifies its queue).',
  },
  {
    rule: 's3_lifecycle_policy_check',
    control: 'CT.S3.PR.6',
    stateful: ['AuditTrail/AuditCheckpoints/Resource', 'Console/Files/Resource'],
    reason:
      'Checkpoints must be kept as long as the ledger (Object Lock keeps them); the console files are replaced and pruned by each deploy. Neither grows without bound otherwise.',
  },
  {
    rule: 's3_bucket_object_lock_enabled_check',
    control: 'CT.S3.PR.9',
    stateful: ['Storage/Extracts/Resource', 'Storage/AccessLogs/Resource', 'Console/Files/Resource'],
    reason:
      'Object Lock would forbid what these buckets must do: extracts are deleted (every version) once applied, the protocol requires it; access logs expire; console files are replaced at deploy. The audit checkpoints, which must not change, are under Object Lock.',
  },
  {
    rule: 'sqs_dlq_check',
    control: 'CT.SQS.PR.1',
    stateful: [
      'Storage/IntakeDeadLetters/Resource',
      'Storage/WebhookDeadLetters/Resource',
      'Storage/AsyncFailures/Resource',
    ],
    reason:
      'These queues are dead-letter queues themselves (of the intake queue, the webhook queue and the scheduled functions); each has an alarm on its first message (test/infra/monitoring.test.ts).',
  },
];

/** The rule id Validations uses for a guard rule. */
export const guardRuleId = (rule: string): string => `${GUARD_PLUGIN}::${rule}`;

function statelessOfType(
  app: RulingIntakeApp,
  types: readonly string[],
  filter: (r: CfnResource) => boolean = () => true,
): IConstruct[] {
  return app.stateless.node
    .findAll()
    .filter((c): c is CfnResource => types.includes((c as CfnResource).cfnResourceType))
    .filter(filter);
}

/** The resources an acknowledgment names in this app. */
export function guardTargets(app: RulingIntakeApp, a: GuardAcknowledgment): IConstruct[] {
  return [
    ...(a.stateful ?? []).map((p) => constructAt(app.stateful, p)),
    ...(a.stateless ?? []).map((p) => constructAt(app.stateless, p)),
    ...statelessOfType(app, a.statelessTypes ?? [], a.filter),
  ];
}

/** Acknowledges each applicable entry on exactly its resources; returns the entries applied. */
export function acknowledgeGuardFindings(app: RulingIntakeApp): GuardAcknowledgment[] {
  const applied = GUARD_ACKNOWLEDGMENTS.filter((a) => a.when?.(app) ?? true);
  for (const a of applied) {
    for (const target of guardTargets(app, a)) {
      Validations.of(target).acknowledge({ id: guardRuleId(a.rule), reason: `${a.control}: ${a.reason}` });
    }
  }
  return applied;
}

/** The Control Tower guard rules as a CDK policy validation plugin. */
export function guardValidator(): CfnGuardValidator {
  return new CfnGuardValidator({ controlTowerRulesEnabled: true });
}
