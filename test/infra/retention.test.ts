/**
 * Retention by design in the template: an AWS Backup plan keeps the ledger and the audit table
 * for the ledger's 20 years (daily points for 35 days, monthly for 20 years, a cross-region copy
 * by context), and extracts that were never processed expire from the bucket after the stalled
 * alarm has had weeks to fire. (TTL of the tables: synth.test.ts; the attribute's writers:
 * test/unit/retention.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXTRACTS_BUCKET, LIMITS } from '../../shared/config/resources.js';
import { DAILY_BACKUP_DAYS, LONG_TERM_BACKUP_DAYS } from '../../infra/constructs/backup.js';
import { arnOf, logicalId, synthesize, view } from './stack-fixture.js';

const { stack, template, templates } = synthesize();
const { resources, propsOf } = view(template);
const ofType = (type: string, t = templates.stateful) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);

interface Rule {
  RuleName: string;
  ScheduleExpression: string;
  Lifecycle: { DeleteAfterDays: number };
  CopyActions?: { DestinationBackupVaultArn: string; Lifecycle: { DeleteAfterDays: number } }[];
}
const rulesOf = (t = templates.stateful): Rule[] =>
  (ofType('AWS::Backup::BackupPlan', t)[0]![1].Properties['BackupPlan'] as { BackupPlanRule: Rule[] })
    .BackupPlanRule;

describe('AWS Backup', () => {
  test('one plan, in the stateful stack: daily points kept 35 days, monthly points kept the ledger’s 20 years', () => {
    assert.equal(ofType('AWS::Backup::BackupPlan').length, 1);
    assert.equal(ofType('AWS::Backup::BackupPlan', templates.stateless).length, 0);
    const rules = Object.fromEntries(rulesOf().map((r) => [r.RuleName, r]));
    assert.equal(rules['daily']!.Lifecycle.DeleteAfterDays, DAILY_BACKUP_DAYS);
    assert.equal(rules['monthly-20-years']!.Lifecycle.DeleteAfterDays, LONG_TERM_BACKUP_DAYS);
    assert.ok(LONG_TERM_BACKUP_DAYS >= LIMITS.ledgerRetentionYears * 365);
    assert.deepEqual(rules['monthly-20-years']!.CopyActions ?? [], [], 'no copy without the context value');
  });

  test('its role can be assumed by AWS Backup only', () => {
    const [[, selection]] = ofType('AWS::Backup::BackupSelection') as unknown as [
      [string, { Properties: { BackupSelection: { IamRoleArn: { 'Fn::GetAtt': [string] } } } }],
    ];
    const role = resources[selection.Properties.BackupSelection.IamRoleArn['Fn::GetAtt'][0]]!;
    assert.deepEqual(
      (role.Properties['AssumeRolePolicyDocument'] as { Statement: { Principal: unknown }[] }).Statement.map(
        (s) => s.Principal,
      ),
      [{ Service: 'backup.amazonaws.com' }],
    );
  });

  test('it selects exactly the ledger and the audit table', () => {
    const [[, selection]] = ofType('AWS::Backup::BackupSelection') as unknown as [
      [string, { Properties: Record<string, unknown> }],
    ];
    const chosen = (selection.Properties['BackupSelection'] as { Resources: unknown[] }).Resources;
    assert.deepEqual(
      new Set(chosen.map((r) => JSON.stringify(r))),
      new Set(
        [stack.storage.tables.ledger, stack.storage.tables.audit].map((t) =>
          JSON.stringify(arnOf(logicalId(t))),
        ),
      ),
    );
  });

  test('the vault is encrypted with the data key and retained when the stack is deleted', () => {
    const [[id, vault]] = ofType('AWS::Backup::BackupVault') as unknown as [
      [string, { Properties: Record<string, unknown>; DeletionPolicy?: string }],
    ];
    assert.deepEqual(vault.Properties['EncryptionKeyArn'], arnOf(logicalId(stack.keys.data)));
    assert.equal(vault.DeletionPolicy, 'Retain');
    assert.ok(resources[id]);
  });

  test('backupCopyVaultArn copies every monthly point to that vault, kept as long; a malformed ARN is refused', () => {
    const arn = 'arn:aws:backup:eu-west-1:123456789012:backup-vault:ruling-intake-copy';
    const copied = synthesize('dev', { backupCopyVaultArn: arn });
    const monthly = rulesOf(copied.templates.stateful).find((r) => r.RuleName === 'monthly-20-years')!;
    assert.deepEqual(monthly.CopyActions, [
      { DestinationBackupVaultArn: arn, Lifecycle: { DeleteAfterDays: LONG_TERM_BACKUP_DAYS } },
    ]);
    assert.throws(() => synthesize('dev', { backupCopyVaultArn: 'vault' }), /backupCopyVaultArn/);
  });
});

describe('extracts never processed', () => {
  test('expire from the bucket after unprocessedDays, tag or no tag — long after the stalled alarm', () => {
    const rules = (
      propsOf(logicalId(stack.storage.bucket))['LifecycleConfiguration'] as {
        Rules: Record<string, unknown>[];
      }
    ).Rules;
    const rule = rules.find((r) => r['Id'] === 'expire-never-processed');
    assert.ok(rule, 'no expiry for never-processed extracts');
    assert.equal(rule['Prefix'], EXTRACTS_BUCKET.uploadPrefix);
    assert.equal(rule['TagFilters'], undefined);
    assert.equal(rule['ExpirationInDays'], EXTRACTS_BUCKET.unprocessedDays);
    assert.ok(
      EXTRACTS_BUCKET.unprocessedDays * 24 > LIMITS.stalledAfterHours + 14 * 24,
      'the alarm fires first',
    );
  });
});
