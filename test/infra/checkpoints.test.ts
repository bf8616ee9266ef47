/**
 * The audit checkpoint store and the sealer's schedule: Object Lock in COMPLIANCE mode for at
 * least the ledger's 20 years (shorter only where the context asks, never in prod), versioned,
 * SSE-KMS with the data key, TLS only, private, and no deletes for anyone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { AUDIT_CHECKPOINTS, LIMITS } from '../../shared/config/resources.js';
import {
  arnOf,
  assertPrivateBucket,
  bucketPolicyBySid,
  DENY_WITHOUT_TLS,
  encryptionDenials,
  ref,
  synthesize,
  view,
} from './stack-fixture.js';

const { stack, template } = synthesize();
const { resources, id, propsOf, envOf } = view(template);
const bucket = id(stack.checkpoints.bucket);
const dataKey = id(stack.keys.data);

/** Default retention in days (years counted as 365 days, the lower bound). */
function retentionDays(props: Record<string, unknown>): number {
  const r = (
    props['ObjectLockConfiguration'] as { Rule: { DefaultRetention: { Days?: number; Years?: number } } }
  ).Rule.DefaultRetention;
  return r.Days ?? (r.Years ?? 0) * 365;
}

describe('audit checkpoint bucket', () => {
  test('Object Lock is enabled in COMPLIANCE mode with a default retention of at least 20 years', () => {
    const p = propsOf(bucket);
    assert.equal(p['ObjectLockEnabled'], true);
    const config = p['ObjectLockConfiguration'] as {
      ObjectLockEnabled: string;
      Rule: { DefaultRetention: { Mode: string } };
    };
    assert.equal(config.ObjectLockEnabled, 'Enabled');
    assert.equal(config.Rule.DefaultRetention.Mode, 'COMPLIANCE');
    assert.ok(retentionDays(p) >= LIMITS.ledgerRetentionYears * 365, `${retentionDays(p)} days`);
    assert.equal(AUDIT_CHECKPOINTS.retentionYears, LIMITS.ledgerRetentionYears);
  });

  test('a test environment may shorten the default retention through checkpointRetentionDays; prod may not', () => {
    const short = synthesize('test', { checkpointRetentionDays: '1' });
    const v = view(short.template);
    assert.equal(retentionDays(v.propsOf(v.id(short.stack.checkpoints.bucket))), 1);
    assert.throws(
      () => synthesize('prod', { checkpointRetentionDays: 30 }),
      /shorter than the ledger's 20 years/,
    );
  });

  test('the bucket is versioned, private, owner-enforced, SSE-KMS with the data key and a bucket key, and retained', () => {
    const p = propsOf(bucket);
    assert.deepEqual(p['VersioningConfiguration'], { Status: 'Enabled' });
    assertPrivateBucket(p);
    assert.deepEqual(p['BucketEncryption'], {
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(dataKey) },
        },
      ],
    });
    assert.equal(resources[bucket]!.DeletionPolicy, 'Retain');
  });

  test('the bucket policy denies requests without TLS, every DeleteObject* to everyone, unconditional puts (overwrites), and puts with another key', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          DENY_WITHOUT_TLS,
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:DeleteObject*',
            Resource: { 'Fn::Join': ['', [arnOf(bucket), '/*']] },
          }),
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Condition: { Null: { 's3:if-none-match': 'true' } },
          }),
        ]),
      },
    });
    const policy = bucketPolicyBySid(resources, bucket);
    for (const [sid, condition] of Object.entries(encryptionDenials(dataKey))) {
      assert.deepEqual(policy.get(sid)?.Condition, condition, sid);
    }
  });

  test('the sealer and the audit function find the bucket through the variable named in resources.ts', () => {
    assert.deepEqual(envOf(stack.sealer)[AUDIT_CHECKPOINTS.env], ref(bucket));
    assert.deepEqual(envOf(stack.apiFunctions.audit)[AUDIT_CHECKPOINTS.env], ref(bucket));
  });
});

describe('audit sealer schedule', () => {
  test(`an EventBridge rule runs the sealer every ${AUDIT_CHECKPOINTS.sealEveryMinutes} minute(s)`, () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: `rate(${AUDIT_CHECKPOINTS.sealEveryMinutes} minute${AUDIT_CHECKPOINTS.sealEveryMinutes === 1 ? '' : 's'})`,
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(id(stack.sealer.function)) })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: arnOf(id(stack.sealer.function)),
    });
  });

  test('a failed run is not retried asynchronously (the next run seals the same records)', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(id(stack.sealer.function)),
      MaximumRetryAttempts: 0,
    });
  });
});
