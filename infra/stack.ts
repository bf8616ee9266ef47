/**
 * RulingIntakeStack: keys, storage and the intake function in one stack for now. The three
 * constructs only meet through their props, so splitting into a stateful stack (KeyRing,
 * Storage) and a stateless one (IntakeFunction) later is a matter of moving constructor calls.
 */
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SERVICE_NAME, TABLES, type TableName } from '../shared/config/resources.js';
import { IntakeFunction } from './constructs/intake-function.js';
import { KeyRing } from './constructs/keys.js';
import { Storage } from './constructs/storage.js';
import { assertEnvironmentName } from './naming.js';

export interface RulingIntakeStackProps extends StackProps {
  /** Deployment environment (`dev`, `acc`, `prod`…), part of names and aliases. */
  readonly environment: string;
  /** Entry of the intake function; defaults to functions/intake/handler.ts. */
  readonly intakeEntry?: string;
}

export class RulingIntakeStack extends Stack {
  readonly keys: KeyRing;
  readonly storage: Storage;
  readonly intake: IntakeFunction;

  constructor(scope: Construct, id: string, props: RulingIntakeStackProps) {
    super(scope, id, props);
    const environment = assertEnvironmentName(props.environment);
    Tags.of(this).add('service', SERVICE_NAME);
    Tags.of(this).add('environment', environment);

    this.keys = new KeyRing(this, 'Keys', { environment });
    this.storage = new Storage(this, 'Storage', { environment, dataKey: this.keys.data });
    this.intake = new IntakeFunction(this, 'Intake', {
      environment,
      bucket: this.storage.bucket,
      queue: this.storage.queue,
      tables: this.storage.tables,
      dataKey: this.keys.data,
      hmacKey: this.keys.hmac,
      ...(props.intakeEntry ? { entry: props.intakeEntry } : {}),
    });

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
  }
}
