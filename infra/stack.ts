/**
 * RulingIntakeStack: keys, storage, identity, the intake, the API and the audit sealer in one
 * stack for now. The constructs only meet through their props, so splitting into a stateful stack
 * (KeyRing, Storage, AuditCheckpoints, Identity) and a stateless one (IntakeFunction,
 * ApiFunctions, Api, AuditSealer) is a matter of moving constructor calls.
 *
 * Configuration comes from the CDK context (infra/config.ts), or from `props.config` in tests.
 */
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AUDIT_CHECKPOINTS, SERVICE_NAME, TABLES, type TableName } from '../shared/config/resources.js';
import { readDeployConfig, type DeployConfig } from './config.js';
import { Api } from './constructs/api.js';
import { ApiFunctions } from './constructs/api-functions.js';
import { AuditCheckpoints } from './constructs/audit-checkpoints.js';
import { AuditSealer } from './constructs/audit-sealer.js';
import { Identity } from './constructs/identity.js';
import { IntakeFunction } from './constructs/intake-function.js';
import { KeyRing } from './constructs/keys.js';
import { Storage } from './constructs/storage.js';
import { assertEnvironmentName } from './naming.js';

export interface RulingIntakeStackProps extends StackProps {
  /** Deployment environment (`dev`, `acc`, `prod`…), part of names and aliases. */
  readonly environment: string;
  /** Entry of the intake function; defaults to functions/intake/handler.ts. */
  readonly intakeEntry?: string;
  /** Deployment configuration; defaults to the one read from the CDK context. */
  readonly config?: DeployConfig;
}

/** Environments whose audit checkpoints must be kept as long as the ledger, whatever the context says. */
const FULL_RETENTION_ENVIRONMENTS = ['prod'];

export class RulingIntakeStack extends Stack {
  readonly config: DeployConfig;
  readonly keys: KeyRing;
  readonly storage: Storage;
  readonly checkpoints: AuditCheckpoints;
  readonly identity: Identity;
  readonly intake: IntakeFunction;
  readonly apiFunctions: ApiFunctions;
  readonly api: Api;
  readonly sealer: AuditSealer;

  constructor(scope: Construct, id: string, props: RulingIntakeStackProps) {
    super(scope, id, props);
    const environment = assertEnvironmentName(props.environment);
    const config = props.config ?? readDeployConfig(this.node);
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

    // --- Stateful -----------------------------------------------------------------------------
    this.keys = new KeyRing(this, 'Keys', { environment });
    this.storage = new Storage(this, 'Storage', { environment, dataKey: this.keys.data });
    this.checkpoints = new AuditCheckpoints(this, 'AuditTrail', {
      dataKey: this.keys.data,
      ...(config.checkpointRetentionDays !== undefined
        ? { retentionDays: config.checkpointRetentionDays }
        : {}),
    });
    this.identity = new Identity(this, 'Identity', {
      environment,
      consoleUrls: config.consoleUrls,
      ...(config.externalIssuer ? { externalIssuer: config.externalIssuer } : {}),
    });

    // --- Stateless ----------------------------------------------------------------------------
    this.intake = new IntakeFunction(this, 'Intake', {
      environment,
      bucket: this.storage.bucket,
      queue: this.storage.queue,
      tables: this.storage.tables,
      dataKey: this.keys.data,
      hmacKey: this.keys.hmac,
      ...(props.intakeEntry ? { entry: props.intakeEntry } : {}),
    });
    this.apiFunctions = new ApiFunctions(this, 'ApiFunctions', {
      environment,
      tables: this.storage.tables,
      extracts: this.storage.bucket,
      intakeQueue: this.storage.queue,
      checkpoints: this.checkpoints.bucket,
      keys: this.keys,
      intakeMapping: {
        arn: this.intake.eventSource.eventSourceMappingArn,
        uuid: this.intake.eventSource.eventSourceMappingId,
      },
      auth: this.identity.settings,
    });
    const byFn = this.apiFunctions.byRouteFunction;
    this.api = new Api(this, 'Api', {
      environment,
      functions: {
        clerk: byFn.clerk.function,
        institution: byFn.institution.function,
        audit: byFn.audit.function,
        admin: byFn.admin.function,
      },
      auth: this.identity.settings,
      allowedOrigins: config.allowedOrigins,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
      logKey: this.keys.data,
    });
    this.sealer = new AuditSealer(this, 'AuditSealer', {
      environment,
      auditTable: this.storage.tables.audit,
      checkpoints: this.checkpoints.bucket,
      signingKey: this.keys.signing,
      dataKey: this.keys.data,
    });

    // --- Outputs ------------------------------------------------------------------------------
    new CfnOutput(this, 'ExtractsBucketName', { value: this.storage.bucket.bucketName });
    new CfnOutput(this, 'IntakeQueueUrl', { value: this.storage.queue.queueUrl });
    new CfnOutput(this, 'IntakeDeadLetterQueueUrl', { value: this.storage.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'UploaderRoleArn', { value: this.storage.uploaderRole.roleArn });
    new CfnOutput(this, 'IntakeFunctionName', { value: this.intake.function.functionName });
    new CfnOutput(this, 'IntakeEventSourceMappingUuid', {
      value: this.intake.eventSource.eventSourceMappingId,
    });
    for (const name of Object.keys(TABLES) as TableName[]) {
      new CfnOutput(this, `${TABLES[name].id}TableName`, { value: this.storage.tables[name].tableName });
    }
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'AuthIssuer', { value: this.identity.settings.issuer });
    new CfnOutput(this, 'AuditCheckpointBucketName', { value: this.checkpoints.bucket.bucketName });
    new CfnOutput(this, 'SigningKeyId', {
      value: this.keys.signing.keyId,
      description: 'aws kms get-public-key --key-id <this> exports the audit checkpoint verification key',
    });
    new CfnOutput(this, 'AuditSealerFunctionName', { value: this.sealer.function.functionName });
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
