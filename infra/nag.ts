/**
 * cdk-nag (AWS Solutions rules) findings acknowledged on purpose, each on exactly one resource (the
 * construct path of one CloudFormation resource, relative to its stack) with its reason. Applied by
 * infra/app.ts before the checks run; test/infra/nag.test.ts asserts that nothing else is reported
 * and that every acknowledgment here still matches a finding (no stale entries).
 */
import { Token, Validations, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { FUNCTION_NAMES, type FunctionName } from './naming.js';
import type { RulingIntakeApp } from './stack.js';

export interface NagAcknowledgment {
  readonly stack: keyof RulingIntakeApp;
  /** Path of one CloudFormation resource, relative to its stack (`Storage/AccessLogs/Resource`). */
  readonly path: string;
  /**
   * Rule id, with the finding for multi-finding rules (`AwsSolutions-IAM5[Resource::*]`); a
   * function when the finding names an export of the stateful stack (its name holds the environment).
   */
  readonly id: string | ((app: RulingIntakeApp) => string);
  readonly reason: string;
  /** Only when this holds (a finding that depends on the configuration). */
  readonly when?: (app: RulingIntakeApp) => boolean;
}

/** Construct path of each function's role policy, relative to the stateless stack. */
const ROLE_POLICY: Readonly<Record<FunctionName, string>> = {
  intake: 'Intake/Role/DefaultPolicy/Resource',
  'api-clerk': 'ApiFunctions/Clerk/Role/DefaultPolicy/Resource',
  'api-institution': 'ApiFunctions/Institution/Role/DefaultPolicy/Resource',
  'api-audit': 'ApiFunctions/Audit/Role/DefaultPolicy/Resource',
  'api-admin': 'ApiFunctions/Admin/Role/DefaultPolicy/Resource',
  'audit-sealer': 'AuditSealer/Role/DefaultPolicy/Resource',
  'ops-check': 'OpsCheck/Role/DefaultPolicy/Resource',
  'change-relay': 'ChangeRelay/Role/DefaultPolicy/Resource',
  'webhook-deliver': 'WebhookDelivery/Role/DefaultPolicy/Resource',
  // Relative to the stateful stack: the trigger lives beside its user pool.
  'pre-token': 'Identity/PreToken/Role/DefaultPolicy/Resource',
};

/** The IAM5 finding for object ARNs under `prefix` of a bucket exported by the stateful stack. */
const exportedObjects =
  (exportName: string, prefix: string) =>
  (app: RulingIntakeApp): string =>
    `AwsSolutions-IAM5[Resource::${app.stateful.stackName}:${exportName}/${prefix}*]`;
const EXTRACTS_ARN_EXPORT = 'ExportsOutputFnGetAttStorageExtracts83259569Arn219338FB';
const CHECKPOINTS_ARN_EXPORT = 'ExportsOutputFnGetAttAuditTrailAuditCheckpoints4C8D2FB4Arn14822E63';
const CONSOLE_BUCKET_ARN_EXPORT = 'ExportsOutputFnGetAttConsoleFiles2D43986CArnD7B90EAB';

/**
 * The IAM5 finding for the objects of the CDK bootstrap's asset bucket. Without an account and
 * region (plain `cdk synth`) the ARN holds the pseudo parameters; with them (`cdk deploy` with
 * credentials, or CDK_DEFAULT_ACCOUNT/REGION) CDK writes the account, region and partition out.
 */
const cdkAssetObjects = (app: RulingIntakeApp): string => {
  const { account, region, partition } = app.stateless;
  const concrete = !Token.isUnresolved(account) && !Token.isUnresolved(region);
  return concrete
    ? `AwsSolutions-IAM5[Resource::arn:${Token.isUnresolved(partition) ? '<AWS::Partition>' : partition}:s3:::cdk-hnb659fds-assets-${account}-${region}/*]`
    : 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]';
};

const PREFIX_REASON =
  'Object ARNs under one key prefix: the objects are created at run time with keys not known at deploy time (incoming/<clerk>/<intake id>.pdf, review/<intake id>/page-<n>.png, checkpoints/<sequence>.json); the actions are listed one by one, only the key is a wildcard.';
const CONSOLE_DEPLOYMENT_REASON =
  "Granted by CDK's BucketDeployment to its deploy-time function (this role, no managed policy): read the CDK asset bucket, sync the console bucket. Neither bucket holds personal data; test/infra/iam.test.ts proves this role reaches neither the extracts, the audit table nor the checkpoints.";

export const NAG_ACKNOWLEDGMENTS: readonly NagAcknowledgment[] = [
  // --- Stateful ------------------------------------------------------------------------------
  {
    stack: 'stateful',
    path: 'Storage/AsyncFailures/Resource',
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself a dead-letter queue: the on-failure destination of the scheduled functions (Lambda asynchronous invocations). Nothing consumes it; the async-failures alarm fires on its first message.',
  },
  {
    stack: 'stateful',
    path: 'Storage/UploaderRole/Resource',
    id: 'AwsSolutions-IAM5[Resource::<StorageExtracts83259569.Arn>/incoming/<aws:PrincipalTag/uploader>/*]',
    reason: `${PREFIX_REASON} The uploader role's prefix is its session tag (one clerk's keys).`,
  },
  {
    stack: 'stateful',
    path: 'Console/Distribution/Resource',
    id: 'AwsSolutions-CFR1',
    reason:
      'The console serves named staff of DBRC, AHOVOKS and the institutions, who sign in with MFA and may work from abroad; a geographic restriction adds nothing the sign-in does not already enforce.',
  },
  {
    stack: 'stateful',
    path: 'Console/Distribution/Resource',
    id: 'AwsSolutions-CFR2',
    reason:
      'A CloudFront web ACL is an account-level, us-east-1 resource with its own cost: attach one with the context value consoleWebAclArn. Without it the distribution serves static files, and the API behind it requires a JWT and is throttled at its stage.',
    when: (app) => app.stateful.config.consoleWebAclArn === undefined,
  },
  {
    stack: 'stateful',
    path: 'Console/Distribution/Resource',
    id: 'AwsSolutions-CFR3',
    reason:
      "CloudFront access logs record full request paths, and API paths carry national register numbers (architecture invariant 4: no national number in any log). Every API request is logged by the API stage's access log by route key, without the path; the console's static files need no log.",
  },
  {
    stack: 'stateful',
    path: 'Console/Distribution/Resource',
    id: 'AwsSolutions-CFR4',
    reason:
      'Without a custom domain CloudFront serves *.cloudfront.net with its default certificate, whose minimum protocol cannot be raised. Set consoleDomainName and consoleCertificateArn to serve the console with TLSv1.2_2021.',
    when: (app) => app.stateful.config.consoleDomain === undefined,
  },

  {
    stack: 'stateful',
    path: 'Backup/Plan/LedgerAndAudit/Role/Resource',
    // The managed policy's ARN keeps the partition placeholder even with a concrete account and region.
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
    reason:
      "AWS Backup's own service role policy, assumed only by backup.amazonaws.com for this plan's selection (the ledger and the audit table). AWS maintains it as the service gains features; a hand-written copy would silently fall behind and break the 20-year backups.",
  },

  {
    stack: 'stateful',
    path: ROLE_POLICY['pre-token'],
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions; they are the only actions of the pre-token trigger role on "*".',
    when: (app) => app.stateful.identity.preToken !== undefined,
  },

  // --- Stateless -----------------------------------------------------------------------------
  ...FUNCTION_NAMES.map((fn): NagAcknowledgment => ({
    stack: 'stateless',
    path: ROLE_POLICY[fn],
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions; they are the only actions of this role on "*" (test/infra/permissions.test.ts).',
  })),
  ...(['intake', 'api-clerk', 'api-admin'] as const).map((fn): NagAcknowledgment => ({
    stack: 'stateless',
    path: ROLE_POLICY[fn],
    id: exportedObjects(EXTRACTS_ARN_EXPORT, 'incoming/'),
    reason: PREFIX_REASON,
  })),
  ...(['intake', 'api-admin'] as const).map((fn): NagAcknowledgment => ({
    stack: 'stateless',
    path: ROLE_POLICY[fn],
    id: exportedObjects(EXTRACTS_ARN_EXPORT, 'review/'),
    reason: PREFIX_REASON,
  })),
  // The clerk API reads the signed tree heads for its receipts (issue 16).
  ...(['api-audit', 'audit-sealer', 'api-clerk'] as const).map((fn): NagAcknowledgment => ({
    stack: 'stateless',
    path: ROLE_POLICY[fn],
    id: exportedObjects(CHECKPOINTS_ARN_EXPORT, 'checkpoints/'),
    reason: PREFIX_REASON,
  })),
  {
    stack: 'stateless',
    path: 'Api/GetOpenApiRoute/Resource',
    id: 'AwsSolutions-APIG4',
    reason:
      'GET /v1/openapi.json is the public description of the API (no data); every other route sits behind the JWT authorizer (test/infra/api.test.ts).',
  },
  ...[
    'AwsSolutions-IAM5[Action::s3:GetBucket*]',
    'AwsSolutions-IAM5[Action::s3:GetObject*]',
    'AwsSolutions-IAM5[Action::s3:List*]',
    'AwsSolutions-IAM5[Action::s3:Abort*]',
    'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
    cdkAssetObjects,
  ].map((id): NagAcknowledgment => ({
    stack: 'stateless',
    path: 'ConsoleFiles/Role/DefaultPolicy/Resource',
    id,
    reason: CONSOLE_DEPLOYMENT_REASON,
  })),
  {
    stack: 'stateless',
    path: 'ConsoleFiles/Role/DefaultPolicy/Resource',
    id: exportedObjects(CONSOLE_BUCKET_ARN_EXPORT, ''),
    reason: CONSOLE_DEPLOYMENT_REASON,
  },
  {
    stack: 'stateless',
    path: 'ConsoleFiles/Role/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudfront:CreateInvalidation/GetInvalidation, granted on "*" by CDK\'s BucketDeployment; the deployment invalidates only the console distribution named in its custom resource.',
  },
  {
    stack: 'stateless',
    path: 'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB/Resource',
    id: 'AwsSolutions-L1',
    reason:
      "CDK's BucketDeployment function (deploy time only, not our code): aws-cdk-lib chooses its Python runtime and keeps it current with the library.",
  },
];

/** The construct at `path` under `stack`, or an error naming the missing segment. */
export function constructAt(stack: Stack, path: string): IConstruct {
  let node: IConstruct = stack;
  for (const segment of path.split('/')) {
    const child = node.node.tryFindChild(segment);
    if (!child)
      throw new Error(`cdk-nag acknowledgment: ${stack.node.id}/${path} does not exist (at ${segment})`);
    node = child;
  }
  return node;
}

/** Acknowledges each applicable entry of `NAG_ACKNOWLEDGMENTS`; returns the entries applied. */
export function acknowledgeNagFindings(app: RulingIntakeApp): NagAcknowledgment[] {
  const applied = NAG_ACKNOWLEDGMENTS.filter((a) => a.when?.(app) ?? true);
  for (const a of applied) {
    Validations.of(constructAt(app[a.stack], a.path)).acknowledge({ id: ruleId(a, app), reason: a.reason });
  }
  return applied;
}

/** The rule id of an acknowledgment in this app. */
export function ruleId(a: NagAcknowledgment, app: RulingIntakeApp): string {
  return typeof a.id === 'string' ? a.id : a.id(app);
}
