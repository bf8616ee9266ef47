/**
 * AWS Backup for what must be kept 20 years (stateful): the ledger and the audit table.
 * Point-in-time recovery (35 days) protects against a bad write; it is not an archive. This plan
 * keeps a daily recovery point for 35 days and a monthly one for the ledger's retention
 * (`LIMITS.ledgerRetentionYears`), in a vault encrypted with the data key and retained when the
 * stack is deleted. With `backupCopyVaultArn` (context) every monthly point is also copied to a
 * vault in another region (or account), kept as long.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LIMITS, SERVICE_NAME } from '../../shared/config/resources.js';

/** Days in the ledger's retention (leap days included). */
export const LONG_TERM_BACKUP_DAYS = Math.ceil(LIMITS.ledgerRetentionYears * 365.25);
export const DAILY_BACKUP_DAYS = 35;

export interface LongTermBackupProps {
  readonly environment: string;
  readonly dataKey: kms.IKey;
  readonly tables: readonly dynamodb.ITable[];
  /** A backup vault in another region or account that receives a copy of each monthly point. */
  readonly copyVaultArn?: string;
}

export class LongTermBackup extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: LongTermBackupProps) {
    super(scope, id);
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: `${SERVICE_NAME}-${props.environment}`,
      encryptionKey: props.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const copy = props.copyVaultArn
      ? [
          {
            destinationBackupVault: backup.BackupVault.fromBackupVaultArn(
              this,
              'CopyVault',
              props.copyVaultArn,
            ),
            deleteAfter: Duration.days(LONG_TERM_BACKUP_DAYS),
          },
        ]
      : [];
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: `${SERVICE_NAME}-${props.environment}`,
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily',
          scheduleExpression: events.Schedule.cron({ hour: '2', minute: '0' }),
          deleteAfter: Duration.days(DAILY_BACKUP_DAYS),
        }),
        new backup.BackupPlanRule({
          ruleName: 'monthly-20-years',
          scheduleExpression: events.Schedule.cron({ day: '1', hour: '3', minute: '0' }),
          deleteAfter: Duration.days(LONG_TERM_BACKUP_DAYS),
          copyActions: copy,
        }),
      ],
    });
    this.plan.addSelection('LedgerAndAudit', {
      resources: props.tables.map((t) => backup.BackupResource.fromDynamoDbTable(t)),
      allowRestores: false,
    });
  }
}
