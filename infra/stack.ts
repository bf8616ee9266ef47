/**
 * The two stacks of an environment, wired through typed props:
 *
 * - `StatefulStack` (`ruling-intake-<env>`): what must survive a teardown of the rest — data
 *   (buckets, queues, tables), keys, identities (Cognito pool and clients) and addresses (the HTTP
 *   API resource, the console's CloudFront distribution and bucket). It keeps the name and construct
 *   ids of the former single stack, so its resources keep their logical ids.
 * - `StatelessStack` (`ruling-intake-<env>-app`): code and wiring — the functions, the API stage,
 *   authorizer and routes, the schedules, the console's files and `config.json`, alarms and the
 *   dashboard. It can be destroyed and redeployed at will.
 *
 * References only go from stateless to stateful (CloudFormation exports). The policies of the
 * stateful resources that must name a stateless consumer — the HMAC and signing key policies, the
 * extracts bucket's delete rule, the KMS and queue grants for S3 notifications, the alarm topic's
 * key — name it by a deterministic ARN (fixed role names, bucket name, log group prefix, alarm
 * names: naming.ts), never by reference, so there is no cycle and no export from the stateless
 * stack. Grants to the functions are identity policies on their roles (stateless), which the
 * stateful key and bucket policies allow through the account's delegation.
 */
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AUDIT_CHECKPOINTS, SERVICE_NAME, TABLES, type TableName } from '../shared/config/resources.js';
import type { DeployConfig } from './config.js';
import { Api, ApiEndpoint } from './constructs/api.js';
import { ApiFunctions } from './constructs/api-functions.js';
import type { AppFunction } from './constructs/app-function.js';
import { AuditCheckpoints } from './constructs/audit-checkpoints.js';
import { AuthParameters, readAuthSettings } from './constructs/auth-parameters.js';
import { AuditSealer } from './constructs/audit-sealer.js';
import { ChangeRelay } from './constructs/change-relay.js';
import { LongTermBackup } from './constructs/backup.js';
import { ConsoleDeployment } from './constructs/console-deployment.js';
import { ConsoleHosting } from './constructs/console-hosting.js';
import { CONSOLE_SCOPES, Identity, type AuthSettings } from './constructs/identity.js';
import { IntakeFunction } from './constructs/intake-function.js';
import { KeyRing } from './constructs/keys.js';
import { Monitoring } from './constructs/monitoring.js';
import { OpsCheck } from './constructs/ops-check.js';
import { Storage } from './constructs/storage.js';
import { WebhookDelivery } from './constructs/webhook-delivery.js';
import { ALERT_KINDS, ALERT_THRESHOLD_ENV } from '../shared/domain/audit-alerts.js';
import {
  assertEnvironmentName,
  cognitoDomainUrl,
  cognitoIssuerOrigin,
  extractsBucketOrigin,
  stackNames,
} from './naming.js';

/** Environments whose audit checkpoints must be kept as long as the ledger, whatever the context says. */
const FULL_RETENTION_ENVIRONMENTS = ['prod'];

interface EnvironmentStackProps extends StackProps {
  /** Deployment environment (`dev`, `acc`, `prod`…), part of names and aliases. */
  readonly environment: string;
  readonly config: DeployConfig;
  /** Institutions with a Cognito machine client (default: the whole register; tests change the set). */
  readonly institutionCodes?: readonly string[];
}

/** What the stateless stack receives from the stateful one: typed, nothing else crosses. */
export interface StatefulResources {
  readonly keys: {
    readonly data: kms.IKey;
    readonly hmac: kms.IKey;
    readonly signing: kms.IKey;
    readonly receipts: kms.IKey;
    readonly webhooks: kms.IKey;
    readonly alarms: kms.IKey;
  };
  readonly tables: Readonly<Record<TableName, dynamodb.ITable>>;
  readonly extracts: s3.IBucket;
  readonly intakeQueue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly asyncFailures: sqs.IQueue;
  readonly webhookQueue: sqs.IQueue;
  readonly webhookDeadLetters: sqs.IQueue;
  readonly checkpoints: s3.IBucket;
  readonly httpApi: HttpApi;
  readonly auth: AuthSettings;
  readonly console: {
    readonly bucket: s3.IBucket;
    readonly distribution: cloudfront.IDistribution;
    readonly url: string;
  };
}

export class StatefulStack extends Stack {
  /** The deployment environment's name (`Stack.environment` is CDK's `aws://account/region`). */
  readonly envName: string;
  readonly config: DeployConfig;
  readonly keys: KeyRing;
  readonly storage: Storage;
  readonly checkpoints: AuditCheckpoints;
  readonly apiEndpoint: ApiEndpoint;
  readonly consoleHosting: ConsoleHosting;
  readonly identity: Identity;
  readonly backup: LongTermBackup;
  readonly resources: StatefulResources;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id, props);
    const environment = assertEnvironmentName(props.environment);
    const { config } = props;
    this.envName = environment;
    this.config = config;
    Tags.of(this).add('service', SERVICE_NAME);
    Tags.of(this).add('environment', environment);

    const minimumDays = AUDIT_CHECKPOINTS.retentionYears * 365;
    if (
      FULL_RETENTION_ENVIRONMENTS.includes(environment) &&
      config.checkpointRetentionDays !== undefined &&
      config.checkpointRetentionDays < minimumDays
    ) {
      throw new Error(
        `checkpointRetentionDays (${config.checkpointRetentionDays}) is shorter than the ledger's ${AUDIT_CHECKPOINTS.retentionYears} years, which ${environment} must keep`,
      );
    }

    this.keys = new KeyRing(this, 'Keys', { environment });
    this.storage = new Storage(this, 'Storage', {
      environment,
      dataKey: this.keys.data,
      accessLogRetentionDays: config.accessLogRetentionDays,
    });
    this.checkpoints = new AuditCheckpoints(this, 'AuditTrail', {
      dataKey: this.keys.data,
      accessLogs: this.storage.accessLogs,
      ...(config.checkpointRetentionDays !== undefined
        ? { retentionDays: config.checkpointRetentionDays }
        : {}),
    });
    // PITR keeps 35 days; the ledger and its audit trail must survive 20 years.
    this.backup = new LongTermBackup(this, 'Backup', {
      environment,
      dataKey: this.keys.data,
      tables: [this.storage.tables.ledger, this.storage.tables.audit],
      ...(config.backupCopyVaultArn ? { copyVaultArn: config.backupCopyVaultArn } : {}),
    });
    this.apiEndpoint = new ApiEndpoint(this, 'Api', { environment, allowedOrigins: config.allowedOrigins });

    // The console calls: the issuer (discovery, JWKS), the token endpoint, the upload bucket.
    const issuerOrigins = config.externalIssuer
      ? [new URL(config.externalIssuer.issuer).origin]
      : [cognitoIssuerOrigin(this), cognitoDomainUrl(this, environment)];
    this.consoleHosting = new ConsoleHosting(this, 'Console', {
      environment,
      accessLogs: this.storage.accessLogs,
      apiDomainName: this.apiEndpoint.domainName,
      connectOrigins: [
        ...issuerOrigins,
        extractsBucketOrigin(this, environment),
        ...config.consoleConnectOrigins,
      ],
      ...(config.consoleDomain ? { domain: config.consoleDomain } : {}),
      ...(config.consoleWebAclArn ? { webAclArn: config.consoleWebAclArn } : {}),
    });

    this.identity = new Identity(this, 'Identity', {
      environment,
      logKey: this.keys.data,
      ...(config.logRetentionDays !== undefined ? { logRetention: config.logRetentionDays } : {}),
      consoleUrls: [this.consoleHosting.url, ...config.consoleUrls],
      ...(config.externalIssuer ? { externalIssuer: config.externalIssuer } : {}),
      ...(props.institutionCodes ? { institutionCodes: props.institutionCodes } : {}),
      clientGenerations: config.clientGenerations,
    });
    new AuthParameters(this, 'AuthParameters', { environment, settings: this.identity.settings });

    // Clerks upload from the console straight to the bucket (presigned POST): POST only, from the
    // console's origin (and the extra console URLs of the context). No reads, no deletes.
    const uploadOrigins = [
      this.consoleHosting.url.replace(/\/$/, ''),
      ...config.consoleUrls.map((u) => new URL(u).origin),
    ];
    this.storage.bucket.addCorsRule({
      allowedOrigins: [...new Set(uploadOrigins)],
      allowedMethods: [s3.HttpMethods.POST],
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag', 'Location'],
      maxAge: 600,
    });

    this.resources = {
      keys: this.keys,
      tables: this.storage.tables,
      extracts: this.storage.bucket,
      intakeQueue: this.storage.queue,
      deadLetterQueue: this.storage.deadLetterQueue,
      asyncFailures: this.storage.asyncFailures,
      webhookQueue: this.storage.webhookQueue,
      webhookDeadLetters: this.storage.webhookDeadLetters,
      checkpoints: this.checkpoints.bucket,
      httpApi: this.apiEndpoint.httpApi,
      auth: this.identity.settings,
      console: {
        bucket: this.consoleHosting.bucket,
        distribution: this.consoleHosting.distribution,
        url: this.consoleHosting.url,
      },
    };

    new CfnOutput(this, 'ExtractsBucketName', { value: this.storage.bucket.bucketName });
    new CfnOutput(this, 'IntakeQueueUrl', { value: this.storage.queue.queueUrl });
    new CfnOutput(this, 'IntakeDeadLetterQueueUrl', { value: this.storage.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AsyncFailureQueueUrl', { value: this.storage.asyncFailures.queueUrl });
    new CfnOutput(this, 'WebhookDeadLetterQueueUrl', { value: this.storage.webhookDeadLetters.queueUrl });
    new CfnOutput(this, 'UploaderRoleArn', { value: this.storage.uploaderRole.roleArn });
    for (const name of Object.keys(TABLES) as TableName[]) {
      new CfnOutput(this, `${TABLES[name].id}TableName`, { value: this.storage.tables[name].tableName });
    }
    new CfnOutput(this, 'ApiUrl', {
      value: `https://${this.apiEndpoint.domainName}/`,
      description: 'the API for machine clients (the console uses ConsoleUrl + /v1/…)',
    });
    new CfnOutput(this, 'ConsoleUrl', { value: this.consoleHosting.url });
    new CfnOutput(this, 'AuthIssuer', { value: this.identity.settings.issuer });
    new CfnOutput(this, 'AuditCheckpointBucketName', { value: this.checkpoints.bucket.bucketName });
    new CfnOutput(this, 'SigningKeyId', {
      value: this.keys.signing.keyId,
      description: 'aws kms get-public-key --key-id <this> exports the audit checkpoint verification key',
    });
    new CfnOutput(this, 'WebhookKeyId', {
      value: this.keys.webhooks.keyId,
      description:
        "aws kms get-public-key --key-id <this> exports the key that verifies the change feed's webhooks",
    });
    new CfnOutput(this, 'ReceiptKeyId', {
      value: this.keys.receipts.keyId,
      description:
        "aws kms get-public-key --key-id <this> exports the key that verifies the clerks' receipts",
    });
    const { userPool, domain, consoleClient, institutionClients } = this.identity;
    if (userPool && domain && consoleClient) {
      new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
      new CfnOutput(this, 'AuthDomainUrl', {
        value: domain.baseUrl(),
        description: 'managed login; the token endpoint is <this>/oauth2/token',
      });
      new CfnOutput(this, 'ConsoleClientId', { value: consoleClient.userPoolClientId });
      new CfnOutput(this, 'InstitutionClientIds', {
        value: this.identity.settings.clientInstitutionsJson,
        description: `client id → institution code (${institutionClients.size} confidential clients; secrets: aws cognito-idp describe-user-pool-client)`,
      });
    }
  }
}

export interface StatelessStackProps extends EnvironmentStackProps {
  /** The stateful stack's resources. */
  readonly stateful: StatefulResources;
  /** Entry of the intake function; defaults to functions/intake/handler.ts. */
  readonly intakeEntry?: string;
  /** The built console (default `web/dist`). */
  readonly consoleDistDir?: string;
}

export class StatelessStack extends Stack {
  /** The deployment environment's name (`Stack.environment` is CDK's `aws://account/region`). */
  readonly envName: string;
  readonly config: DeployConfig;
  readonly intake: IntakeFunction;
  readonly apiFunctions: ApiFunctions;
  readonly api: Api;
  readonly sealer: AuditSealer;
  readonly changeRelay: ChangeRelay;
  readonly webhookDelivery: WebhookDelivery;
  readonly opsCheck: OpsCheck;
  readonly consoleDeployment: ConsoleDeployment;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const environment = assertEnvironmentName(props.environment);
    const { config, stateful } = props;
    this.envName = environment;
    this.config = config;
    Tags.of(this).add('service', SERVICE_NAME);
    Tags.of(this).add('environment', environment);
    const { keys, tables } = stateful;
    const logRetention = config.logRetentionDays;
    // The client set crosses through SSM, not exports (constructs/auth-parameters.ts).
    const auth = readAuthSettings(this, environment, stateful.auth);

    this.intake = new IntakeFunction(this, 'Intake', {
      environment,
      bucket: stateful.extracts,
      queue: stateful.intakeQueue,
      tables,
      dataKey: keys.data,
      hmacKey: keys.hmac,
      logRetention,
      seal: config.seal,
      ...(props.intakeEntry ? { entry: props.intakeEntry } : {}),
    });
    this.apiFunctions = new ApiFunctions(this, 'ApiFunctions', {
      environment,
      tables,
      extracts: stateful.extracts,
      intakeQueue: stateful.intakeQueue,
      deadLetters: {
        intake: stateful.deadLetterQueue,
        webhooks: stateful.webhookDeadLetters,
        webhookQueue: stateful.webhookQueue,
      },
      checkpoints: stateful.checkpoints,
      keys,
      intakeMapping: {
        arn: this.intake.eventSource.eventSourceMappingArn,
        uuid: this.intake.eventSource.eventSourceMappingId,
      },
      auth,
      logRetention,
    });
    const byFn = this.apiFunctions.byRouteFunction;
    this.api = new Api(this, 'Api', {
      environment,
      httpApi: stateful.httpApi,
      functions: {
        clerk: byFn.clerk.function,
        institution: byFn.institution.function,
        audit: byFn.audit.function,
        admin: byFn.admin.function,
      },
      auth,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
      logKey: keys.data,
      logRetention,
    });
    this.sealer = new AuditSealer(this, 'AuditSealer', {
      environment,
      auditTable: tables.audit,
      controlTable: tables.control,
      checkpoints: stateful.checkpoints,
      signingKey: keys.signing,
      dataKey: keys.data,
      asyncFailures: stateful.asyncFailures,
      logRetention,
      reserveConcurrency: config.reserveConcurrency,
    });
    // The auditors' alert thresholds, defined once in the config: the sealer publishes crossings,
    // the auditor API lists the alerts.
    for (const kind of ALERT_KINDS)
      for (const fn of [this.sealer, byFn.audit])
        fn.setEnv(ALERT_THRESHOLD_ENV[kind], String(config.alertThresholds[kind]));
    this.changeRelay = new ChangeRelay(this, 'ChangeRelay', {
      environment,
      ledgerTable: tables.ledger,
      changesTable: tables.changes,
      dataKey: keys.data,
      asyncFailures: stateful.asyncFailures,
      webhooks: { queue: stateful.webhookQueue, targets: config.webhooks },
      logRetention,
    });
    this.webhookDelivery = new WebhookDelivery(this, 'WebhookDelivery', {
      environment,
      queue: stateful.webhookQueue,
      webhookKey: keys.webhooks,
      dataKey: keys.data,
      targets: config.webhooks,
      logRetention,
    });
    this.opsCheck = new OpsCheck(this, 'OpsCheck', {
      environment,
      intakeTable: tables.intake,
      dataKey: keys.data,
      asyncFailures: stateful.asyncFailures,
      logRetention,
      reserveConcurrency: config.reserveConcurrency,
    });
    this.consoleDeployment = new ConsoleDeployment(this, 'ConsoleFiles', {
      environment,
      bucket: stateful.console.bucket,
      distribution: stateful.console.distribution,
      config: {
        issuer: stateful.auth.issuer,
        clientId: stateful.auth.consoleClientId,
        apiUrl: '',
        scope: CONSOLE_SCOPES.join(' '),
        environment,
      },
      logKey: keys.data,
      logRetention,
      ...(props.consoleDistDir ? { distDir: props.consoleDistDir } : {}),
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      environment,
      alarmKey: keys.alarms,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      functions: this.functions,
      sealer: this.sealer,
      opsCheck: this.opsCheck,
      intakeQueue: stateful.intakeQueue,
      deadLetterQueue: stateful.deadLetterQueue,
      asyncFailures: stateful.asyncFailures,
      webhookDeadLetters: stateful.webhookDeadLetters,
      httpApi: stateful.httpApi,
    });

    new CfnOutput(this, 'IntakeFunctionName', { value: this.intake.function.functionName });
    new CfnOutput(this, 'IntakeEventSourceMappingUuid', {
      value: this.intake.eventSource.eventSourceMappingId,
    });
    new CfnOutput(this, 'AuditSealerFunctionName', { value: this.sealer.function.functionName });
    new CfnOutput(this, 'ApiStageUrl', { value: this.api.url });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }

  /** Every function of the service (all built with `AppFunction`). */
  get functions(): readonly AppFunction[] {
    return [
      this.intake,
      ...this.apiFunctions.all,
      this.sealer,
      this.opsCheck,
      this.changeRelay,
      this.webhookDelivery,
    ];
  }
}

export interface RulingIntakeApp {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface BuildOptions {
  readonly environment: string;
  readonly config: DeployConfig;
  readonly env?: StackProps['env'];
  readonly intakeEntry?: string;
  readonly consoleDistDir?: string;
  /** Institutions with a Cognito machine client (default: the whole register). */
  readonly institutionCodes?: readonly string[];
}

/** Both stacks of one environment, the stateless one depending on the stateful one. */
export function buildStacks(scope: Construct, options: BuildOptions): RulingIntakeApp {
  const environment = assertEnvironmentName(options.environment);
  const names = stackNames(environment);
  const common = {
    environment,
    config: options.config,
    ...(options.env ? { env: options.env } : {}),
  };
  const stateful = new StatefulStack(scope, 'RulingIntakeStack', {
    ...common,
    stackName: names.stateful,
    description: `Court-ruling intake (${environment}): data, keys, identities and addresses`,
    terminationProtection: environment === 'prod',
    ...(options.institutionCodes ? { institutionCodes: options.institutionCodes } : {}),
  });
  const stateless = new StatelessStack(scope, 'RulingIntakeApp', {
    ...common,
    stackName: names.stateless,
    description: `Court-ruling intake (${environment}): functions, API routes, schedules, console files, alarms`,
    stateful: stateful.resources,
    ...(options.intakeEntry ? { intakeEntry: options.intakeEntry } : {}),
    ...(options.consoleDistDir ? { consoleDistDir: options.consoleDistDir } : {}),
  });
  stateless.addStackDependency(stateful);
  return { stateful, stateless };
}
