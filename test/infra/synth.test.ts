import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import {
  ENV,
  EXTRACTS_BUCKET,
  KEYS,
  LIMITS,
  SERVICE_NAME,
  TABLES,
  type TableDefinition,
  type TableName,
} from '../../shared/config/resources.js';
import { APPEND_ONLY_DENIED_ACTIONS } from '../../infra/constructs/storage.js';
import {
  actions,
  arnOf,
  assertPrivateBucket,
  contains,
  DENY_WITHOUT_TLS,
  logicalId,
  ref,
  resourcesOf,
  roleStatements as statementsOfRole,
  synthesize,
  view,
  bucketPolicyBySid,
  encryptionDenials,
  type Statement,
} from './stack-fixture.js';

const { stack, template } = synthesize();
const { json, resources, propsOf } = view(template);

const dataKey = logicalId(stack.keys.data);
const hmacKey = logicalId(stack.keys.hmac);
const bucket = logicalId(stack.storage.bucket);
const queue = logicalId(stack.storage.queue);
const dlq = logicalId(stack.storage.deadLetterQueue);
const fn = logicalId(stack.intake.function);
const tableId = (name: TableName) => logicalId(stack.storage.tables[name]);
const roleStatements = (roleId: string): Statement[] => statementsOfRole(resources, roleId);

describe('KMS keys', () => {
  for (const [name, def] of Object.entries(KEYS)) {
    test(`the ${name} key has the spec, usage and rotation defined in resources.ts, and an alias`, () => {
      const id = logicalId(stack.keys[name as keyof typeof KEYS]);
      assert.equal(resources[id]!.Type, 'AWS::KMS::Key');
      assert.equal(propsOf(id)['KeySpec'], def.spec);
      assert.equal(propsOf(id)['KeyUsage'], def.usage);
      assert.equal(propsOf(id)['EnableKeyRotation'], def.rotation);
      template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/${def.alias}/dev`,
        TargetKeyId: arnOf(id),
      });
    });
  }

  test('the data key rotates, the HMAC key is HMAC_256 and the signing key is ECC_NIST_P256', () => {
    assert.equal(propsOf(dataKey)['EnableKeyRotation'], true);
    assert.equal(propsOf(hmacKey)['KeySpec'], 'HMAC_256');
    assert.equal(propsOf(hmacKey)['KeyUsage'], 'GENERATE_VERIFY_MAC');
    assert.equal(propsOf(logicalId(stack.keys.signing))['KeySpec'], 'ECC_NIST_P256');
    assert.equal(propsOf(logicalId(stack.keys.signing))['KeyUsage'], 'SIGN_VERIFY');
  });

  test('the data key lets S3 generate data keys only for notifications from the extracts bucket of this account', () => {
    const policy = propsOf(dataKey)['KeyPolicy'] as { Statement: Statement[] };
    const s3 = policy.Statement.filter((s) => contains(s.Principal, { Service: 's3.amazonaws.com' }));
    assert.equal(s3.length, 1);
    assert.deepEqual(actions(s3[0]!).sort(), ['kms:Decrypt', 'kms:GenerateDataKey']);
    assert.deepEqual(s3[0]!.Condition!['StringEquals'], { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    assert.ok(contains(s3[0]!.Condition!['ArnEquals'], ':s3:::ruling-intake-extracts-dev-'));
  });
});

describe('extracts bucket', () => {
  test('the bucket is encrypted with the data key (SSE-KMS) and uses a bucket key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(dataKey) },
          },
        ],
      },
    });
  });

  test('the bucket is versioned, blocks all public access and enforces bucket-owner object ownership', () => {
    const p = propsOf(bucket);
    assert.deepEqual(p['VersioningConfiguration'], { Status: 'Enabled' });
    assertPrivateBucket(p);
  });

  test('the bucket policy denies every request made without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucket),
      PolicyDocument: {
        Statement: Match.arrayWith([DENY_WITHOUT_TLS]),
      },
    });
  });

  test('the bucket policy denies every put that asks for another encryption, aws:kms without the key id, another key or a customer key; a put without headers gets the data key by default', () => {
    const policy = bucketPolicyBySid(resources, bucket);
    for (const [sid, condition] of Object.entries(encryptionDenials(dataKey))) {
      const s = policy.get(sid);
      assert.ok(s, sid);
      assert.equal(s.Effect, 'Deny');
      assert.deepEqual(s.Principal, { AWS: '*' });
      assert.equal(s.Action, 's3:PutObject');
      assert.deepEqual(s.Condition, condition, sid);
    }
    assert.ok(
      !JSON.stringify([...policy.values()]).includes('IfExists'),
      'an IfExists deny also refuses header-less puts',
    );
  });

  test('the lifecycle expires noncurrent versions and extracts tagged rejected or held', () => {
    const rules = (propsOf(bucket)['LifecycleConfiguration'] as { Rules: Record<string, unknown>[] }).Rules;
    // A held version superseded by a re-posted form must outlive its review window.
    assert.ok(EXTRACTS_BUCKET.noncurrentVersionDays >= EXTRACTS_BUCKET.keptDays);
    assert.ok(
      rules.some((r) =>
        contains(r['NoncurrentVersionExpiration'], { NoncurrentDays: EXTRACTS_BUCKET.noncurrentVersionDays }),
      ),
    );
    for (const outcome of EXTRACTS_BUCKET.keptOutcomes) {
      assert.ok(
        rules.some(
          (r) =>
            r['ExpirationInDays'] === EXTRACTS_BUCKET.keptDays &&
            contains(r['TagFilters'], [{ Key: EXTRACTS_BUCKET.outcomeTag, Value: outcome }]),
        ),
        `no expiry rule for ${outcome}`,
      );
    }
  });

  test('server access logs go to the access log bucket (under extracts/), which is private, TLS-only, SSE-S3 and expires logs', () => {
    const logs = logicalId(stack.storage.accessLogs);
    assert.deepEqual(propsOf(bucket)['LoggingConfiguration'], {
      DestinationBucketName: ref(logs),
      LogFilePrefix: 'extracts/',
    });
    const p = propsOf(logs);
    assert.ok(
      contains(p['BucketEncryption'], { SSEAlgorithm: 'AES256' }),
      'S3 delivers access logs to SSE-S3 buckets only',
    );
    assert.deepEqual(p['OwnershipControls'], { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    assert.ok(JSON.stringify(p['LifecycleConfiguration']).includes('"ExpirationInDays":365'));
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(logs),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
  });

  test('the bucket policy denies deleting an extract to every principal but the intake function’s role', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'OnlyTheIntakeDeletesExtracts',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
            Condition: {
              ArnNotEquals: { 'aws:PrincipalArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
            },
          }),
        ]),
      },
    });
  });

  test('the bucket policy makes upload keys single-use where S3 can: direct puts under incoming/ need If-None-Match, form POSTs only from the clerk API, no other writer', () => {
    const policy = bucketPolicyBySid(resources, bucket);
    const incoming = { 'Fn::Join': ['', [arnOf(bucket), `/${EXTRACTS_BUCKET.uploadPrefix}*`]] };
    const single = policy.get('UploadKeysAreSingleUse');
    assert.ok(single);
    assert.equal(single.Effect, 'Deny');
    assert.deepEqual(single.Principal, { AWS: '*' });
    assert.equal(single.Action, 's3:PutObject');
    assert.deepEqual(single.Resource, incoming);
    assert.deepEqual(single.Condition, {
      StringNotEquals: { 's3:authType': 'POST' },
      Null: { 's3:if-none-match': 'true' },
    });
    const forms = policy.get('OnlyTheUploadApiSignsUploadForms');
    assert.ok(forms);
    assert.equal(forms.Effect, 'Deny');
    assert.deepEqual((forms.Condition as Record<string, unknown>)['StringEquals'], { 's3:authType': 'POST' });
    assert.ok(JSON.stringify(forms.Condition).includes('-api-clerk'));
    const writers = policy.get('OnlyTheUploadersWriteUploads');
    assert.ok(writers);
    assert.equal(writers.Effect, 'Deny');
    assert.ok(JSON.stringify(writers.Condition).includes(logicalId(stack.storage.uploaderRole)));
  });

  test('objects created under the upload prefix are announced to the intake queue', () => {
    assert.deepEqual(propsOf(bucket)['NotificationConfiguration'], {
      QueueConfigurations: [
        {
          Event: 's3:ObjectCreated:*',
          Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: EXTRACTS_BUCKET.uploadPrefix }] } },
          Queue: arnOf(queue),
        },
      ],
    });
  });
});

describe('uploader role', () => {
  const role = logicalId(stack.storage.uploaderRole);
  const statements = roleStatements(role);

  test('the uploader role can be assumed by the account root', () => {
    assert.ok(contains(propsOf(role)['AssumeRolePolicyDocument'], ':root'));
  });

  test('the uploader may put objects under the upload prefix only', () => {
    const s3Allows = statements.filter(
      (s) => s.Effect === 'Allow' && actions(s).some((a) => a.startsWith('s3:')),
    );
    assert.deepEqual(s3Allows.flatMap(actions), ['s3:PutObject']);
    assert.deepEqual(resourcesOf(s3Allows[0]!), [
      {
        'Fn::Join': [
          '',
          [
            arnOf(bucket),
            `/${EXTRACTS_BUCKET.uploadPrefix}\${aws:PrincipalTag/${EXTRACTS_BUCKET.uploaderSessionTag}}/*`,
          ],
        ],
      },
    ]);
  });

  test('the uploader role is assumed only with an uploader session tag, which scopes its puts to that prefix', () => {
    const trust = JSON.stringify(propsOf(role)['AssumeRolePolicyDocument']);
    assert.ok(trust.includes('sts:TagSession'), trust);
    assert.ok(trust.includes(`"aws:RequestTag/${EXTRACTS_BUCKET.uploaderSessionTag}":"?*"`), trust);
  });

  test('the uploader is explicitly denied every s3:DeleteObject action on the bucket', () => {
    const deny = statements.find((s) => s.Effect === 'Deny' && actions(s).includes('s3:DeleteObject*'));
    assert.ok(deny, 'no explicit Deny on s3:DeleteObject*');
    assert.ok(contains(deny.Resource, arnOf(bucket)));
  });

  test('the uploader may encrypt with the data key and use no other key', () => {
    const kms = statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
    assert.deepEqual(kms.flatMap(actions).sort(), ['kms:Encrypt', 'kms:GenerateDataKey']);
    assert.deepEqual(kms.flatMap(resourcesOf), [arnOf(dataKey)]);
  });
});

describe('intake queue', () => {
  test('the intake queue and its dead-letter queue are encrypted with the data key', () => {
    assert.deepEqual(propsOf(queue)['KmsMasterKeyId'], arnOf(dataKey));
    assert.deepEqual(propsOf(dlq)['KmsMasterKeyId'], arnOf(dataKey));
  });

  test('a message goes to the dead-letter queue after three receives', () => {
    assert.equal(LIMITS.maxReceives, 3);
    assert.deepEqual(propsOf(queue)['RedrivePolicy'], {
      deadLetterTargetArn: arnOf(dlq),
      maxReceiveCount: 3,
    });
  });

  test('the visibility timeout is the one in resources.ts and exceeds the function timeout', () => {
    assert.equal(propsOf(queue)['VisibilityTimeout'], LIMITS.visibilityTimeoutSeconds);
    assert.ok(LIMITS.visibilityTimeoutSeconds > LIMITS.intakeFunctionTimeoutSeconds);
  });

  test('only the extracts bucket of this account may send to the intake queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: Match.anyValue(),
            },
          }),
        ]),
      },
    });
  });
});

describe('async failures', () => {
  test('failed asynchronous invocations land in their own queue, encrypted with the data key, TLS only, retained', () => {
    const q = logicalId(stack.storage.asyncFailures);
    assert.deepEqual(propsOf(q)['KmsMasterKeyId'], arnOf(dataKey));
    assert.equal(propsOf(q)['MessageRetentionPeriod'], 14 * 86400);
    assert.equal(resources[q]!.DeletionPolicy, 'Retain');
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(q)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('tables', () => {
  test('the audit table has a resource policy denying every principal any change or removal of a record (CloudFormation ResourcePolicy)', () => {
    const policy = propsOf(tableId('audit'))['ResourcePolicy'] as {
      PolicyDocument: { Statement: Statement[] };
    };
    assert.deepEqual(policy.PolicyDocument.Statement, [
      {
        Sid: 'RecordsAreNeverChangedOrRemoved',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [...APPEND_ONLY_DENIED_ACTIONS].sort(),
        Resource: '*',
      },
    ]);
    for (const name of ['ledger', 'intake', 'control'] as const) {
      assert.equal(propsOf(tableId(name))['ResourcePolicy'], undefined, name);
    }
  });

  test('the ledger, the audit table and the intake statuses expire items by TTL on `expiresAt` (written by their adapters: config/retention.ts); only the control table keeps its one switch', () => {
    for (const name of ['ledger', 'audit', 'intake'] as const) {
      assert.deepEqual(
        propsOf(tableId(name))['TimeToLiveSpecification'],
        { AttributeName: 'expiresAt', Enabled: true },
        name,
      );
    }
    assert.equal(propsOf(tableId('control'))['TimeToLiveSpecification'], undefined);
  });

  for (const [name, def] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
    test(`the ${name} table is pay-per-request, encrypted with the data key, point-in-time recoverable and deletion-protected`, () => {
      const p = propsOf(tableId(name));
      assert.equal(p['BillingMode'], 'PAY_PER_REQUEST');
      assert.deepEqual(p['SSESpecification'], {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: arnOf(dataKey),
      });
      assert.deepEqual(p['PointInTimeRecoverySpecification'], { PointInTimeRecoveryEnabled: true });
      assert.equal(p['DeletionProtectionEnabled'], true);
    });

    test(`the ${name} table has exactly the keys, indexes and TTL defined in resources.ts`, () => {
      const p = propsOf(tableId(name));
      const keySchema = (pk: { name: string }, sk?: { name: string }) => [
        { AttributeName: pk.name, KeyType: 'HASH' },
        ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : []),
      ];
      assert.deepEqual(p['KeySchema'], keySchema(def.partitionKey, def.sortKey));
      const indexes =
        (p['GlobalSecondaryIndexes'] as
          { IndexName: string; KeySchema: unknown; Projection: unknown }[] | undefined) ?? [];
      assert.deepEqual(
        indexes.map((i) => ({ name: i.IndexName, keys: i.KeySchema })),
        def.globalIndexes.map((i) => ({ name: i.name, keys: keySchema(i.partitionKey, i.sortKey) })),
      );
      const declared = [
        def.partitionKey,
        def.sortKey,
        ...def.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ]
        .filter((a) => a !== undefined)
        .map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
      const unique = [...new Map(declared.map((a) => [a.AttributeName, a])).values()];
      const attributeDefinitions = p['AttributeDefinitions'] as { AttributeName: string }[];
      assert.deepEqual(
        [...attributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
        unique.sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
      );
      assert.deepEqual(
        p['TimeToLiveSpecification'],
        def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined,
      );
    });
  }
});

describe('intake function', () => {
  const role = logicalId(stack.intake.role);
  const statements = roleStatements(role);

  test('the intake function runs nodejs24.x on arm64, with the timeout and memory of the design, traced', () => {
    const p = propsOf(fn);
    assert.equal(p['Runtime'], 'nodejs24.x');
    assert.deepEqual(p['Architectures'], ['arm64']);
    assert.equal(p['Handler'], 'index.handler');
    assert.equal(p['Timeout'], LIMITS.intakeFunctionTimeoutSeconds);
    assert.equal(p['MemorySize'], 1024);
    assert.deepEqual(p['TracingConfig'], { Mode: 'Active' });
  });

  test('the intake function logs to its own log group, encrypted with the data key and with a retention', () => {
    const logGroup = logicalId(stack.intake.logGroup);
    assert.deepEqual(propsOf(fn)['LoggingConfig'], { LogGroup: ref(logGroup) });
    assert.equal(propsOf(logGroup)['RetentionInDays'], LIMITS.logRetentionDays);
    assert.deepEqual(propsOf(logGroup)['KmsKeyId'], arnOf(dataKey));
  });

  test('the intake function consumes the queue in batches and reports batch item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fn),
      EventSourceArn: arnOf(queue),
      BatchSize: LIMITS.intakeBatchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('the intake function learns table, bucket and key names through the variables named in resources.ts', () => {
    const vars = (propsOf(fn)['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(vars, {
      [ENV.serviceName]: SERVICE_NAME,
      [ENV.environment]: 'dev',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      NODE_OPTIONS: '--enable-source-maps',
      [EXTRACTS_BUCKET.env]: ref(bucket),
      [TABLES.ledger.env]: ref(tableId('ledger')),
      [TABLES.intake.env]: ref(tableId('intake')),
      // The pause switch, read on every message.
      [TABLES.control.env]: ref(tableId('control')),
      [TABLES.audit.env]: ref(tableId('audit')),
      // The change feed's outbox, written with the balance change (issue 16).
      [TABLES.changes.env]: ref(tableId('changes')),
      [KEYS.data.env]: arnOf(dataKey),
      [KEYS.hmac.env]: ref(hmacKey),
      // DBRC's seal is not checked unless the deployment configures it (seal-config.test.ts).
      [ENV.signaturePolicy]: 'off',
    });
  });

  test('the intake function may read, tag and delete extracts (the version an event names) under the upload prefix only, and write page images of held scans under the review prefix only', () => {
    const s3 = statements.filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    assert.deepEqual(s3.flatMap(actions).sort(), [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucketVersions',
      's3:PutObject',
      's3:PutObjectTagging',
      's3:PutObjectVersionTagging',
    ]);
    const objectStatement = s3.find((s) => actions(s).includes('s3:GetObject'))!;
    assert.deepEqual(resourcesOf(objectStatement), [
      { 'Fn::Join': ['', [arnOf(bucket), `/${EXTRACTS_BUCKET.uploadPrefix}*`]] },
    ]);
    const list = s3.find((s) => actions(s).includes('s3:ListBucketVersions'))!;
    assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': [`${EXTRACTS_BUCKET.uploadPrefix}*`] } });
    const put = s3.filter((s) => actions(s).includes('s3:PutObject'));
    assert.deepEqual(put.flatMap(actions), ['s3:PutObject']);
    assert.deepEqual(put.flatMap(resourcesOf), [
      { 'Fn::Join': ['', [arnOf(bucket), `/${EXTRACTS_BUCKET.reviewPrefix}*`]] },
    ]);
  });

  test('the intake function may only put items into the audit table', () => {
    const audit = statements.filter((s) => contains(s.Resource, arnOf(tableId('audit'))));
    assert.deepEqual(audit.flatMap(actions), ['dynamodb:PutItem']);
    assert.deepEqual(audit.flatMap(resourcesOf), [arnOf(tableId('audit'))]);
  });

  test('the intake function reads and writes items of the ledger and intake tables as processExtract does, without scans or deletes', () => {
    const on = (name: TableName) =>
      statements
        .filter((s) => contains(s.Resource, arnOf(tableId(name))))
        .flatMap(actions)
        .sort();
    assert.deepEqual(on('ledger'), ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    assert.deepEqual(on('intake'), ['dynamodb:GetItem', 'dynamodb:PutItem']);
    assert.deepEqual(
      on('control'),
      ['dynamodb:GetItem'],
      'the intake reads the pause switch, and only that (the operator API flips it)',
    );
  });

  test('the intake function may generate MACs with the HMAC key, generate data keys, and decrypt (queue messages, extracts via S3)', () => {
    const kms = statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
    const on = (key: string) => kms.filter((s) => contains(s.Resource, arnOf(key))).flatMap(actions);
    assert.deepEqual(on(hmacKey), ['kms:GenerateMac']);
    assert.deepEqual([...new Set(on(dataKey))].sort(), ['kms:Decrypt', 'kms:GenerateDataKey']);
    assert.equal(kms.filter((s) => contains(s.Resource, arnOf(logicalId(stack.keys.signing)))).length, 0);
  });

  test('the intake function may not update any event source mapping (the operator API flips the pause switch)', () => {
    assert.deepEqual(
      statements.filter((s) => actions(s).some((a) => a.startsWith('lambda:'))),
      [],
    );
  });

  test('the intake role has no managed policies and no wildcard actions', () => {
    assert.equal(propsOf(role)['ManagedPolicyArns'], undefined);
    assert.deepEqual(
      statements.flatMap(actions).filter((a) => a.includes('*')),
      [],
    );
  });
});

describe('template', () => {
  test('another environment gets its own bucket name and key aliases', () => {
    const other = synthesize('acc').template;
    other.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: {
        'Fn::Join': [
          '',
          ['ruling-intake-extracts-acc-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
        ],
      },
    });
    other.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/${KEYS.data.alias}/acc` });
  });

  test('an environment name that cannot be part of a bucket name is refused', () => {
    assert.throws(() => synthesize('Prod_EU'), /environment "Prod_EU" must match/);
  });

  test('the stack outputs the bucket name, queue URL, uploader role ARN and every table name', () => {
    assert.deepEqual(json.Outputs['ExtractsBucketName']!.Value, ref(bucket));
    assert.deepEqual(json.Outputs['IntakeQueueUrl']!.Value, ref(queue));
    assert.deepEqual(json.Outputs['UploaderRoleArn']!.Value, arnOf(logicalId(stack.storage.uploaderRole)));
    for (const name of Object.keys(TABLES) as TableName[]) {
      assert.deepEqual(json.Outputs[`${TABLES[name].id}TableName`]!.Value, ref(tableId(name)));
    }
  });

  test('stateful resources are retained when the stack is deleted', () => {
    for (const id of [
      dataKey,
      hmacKey,
      logicalId(stack.keys.signing),
      logicalId(stack.keys.alarms),
      bucket,
      logicalId(stack.storage.accessLogs),
      logicalId(stack.checkpoints.bucket),
      logicalId(stack.consoleHosting.bucket),
      queue,
      dlq,
      logicalId(stack.storage.asyncFailures),
      logicalId(stack.identity.userPool!),
      ...(Object.keys(TABLES) as TableName[]).map(tableId),
    ]) {
      assert.equal(resources[id]!.DeletionPolicy, 'Retain', id);
    }
  });
});
