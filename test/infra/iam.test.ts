/**
 * Least privilege, proven by IAM policy simulation (`@cloud-copilot/iam-simulate`), not by reading
 * statements: every decision below is the simulator's evaluation of the synthesized identity
 * policies of the role making the request together with the resource's own policy — the bucket
 * policy, the KMS key policy, the DynamoDB table's resource policy — as AWS evaluates a
 * same-account request. Besides every role of both stacks, a hypothetical account administrator
 * (`Action: *` on `*`) is tried wherever a property must hold against everyone.
 *
 * Each property is a function that lists its violations, so the last section can break the model
 * (add a grant, drop a deny) and show that each property then fails.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KEY_USERS } from '../../infra/constructs/keys.js';
import { APPEND_ONLY_DENIED_ACTIONS } from '../../infra/constructs/storage.js';
import { functionRoleName } from '../../infra/naming.js';
import { AUDIT_TILE_KEYS, EXTRACTS_BUCKET } from '../../shared/config/resources.js';
import {
  ADMINISTRATOR_ARN,
  REGION,
  buildModel,
  can,
  decide,
  withIdentityStatement,
  withoutIdentityStatement,
  withoutResourceStatement,
  type Model,
  type Principal,
} from './iam-model.js';
import { arnOf, link, logicalId, synthesize } from './stack-fixture.js';

const { stack, templates } = synthesize();
const model = buildModel(link(templates.stateful, templates.stateless));
const arn = (construct: Parameters<typeof logicalId>[0]) =>
  model.resolve(arnOf(logicalId(construct))) as string;

const EXTRACTS = arn(stack.storage.bucket);
const CHECKPOINTS = arn(stack.checkpoints.bucket);
const AUDIT_TABLE = arn(stack.storage.tables.audit);
const CONTROL_TABLE = arn(stack.storage.tables.control);
const DATA_KEY = arn(stack.keys.data);
const HMAC_KEY = arn(stack.keys.hmac);
const SIGNING_KEY = arn(stack.keys.signing);
const RECEIPT_KEY = arn(stack.keys.receipts);
const WEBHOOK_KEY = arn(stack.keys.webhooks);
const UPLOAD = `${EXTRACTS}/${EXTRACTS_BUCKET.uploadPrefix}clerk-7/0b6f1c1e-2f4a-4c55-9a7e-0e1f2a3b4c5d.pdf`;
/** Another clerk's upload key. */
const OTHER_CLERKS_UPLOAD = `${EXTRACTS}/${EXTRACTS_BUCKET.uploadPrefix}clerk-8/0b6f1c1e-2f4a-4c55-9a7e-0e1f2a3b4c5e.pdf`;
const ELSEWHERE = `${EXTRACTS}/elsewhere/extract.pdf`;
const REVIEW_IMAGE = `${EXTRACTS}/${EXTRACTS_BUCKET.reviewPrefix}0b6f1c1e-2f4a-4c55/page-1.png`;
const CHECKPOINT = `${CHECKPOINTS}/checkpoints/000000000042.json`;

/** The contexts a caller may produce: plain, with SSE-KMS headers, through S3 or SQS, conditional put. */
const SSE = {
  's3:x-amz-server-side-encryption': 'aws:kms',
  's3:x-amz-server-side-encryption-aws-kms-key-id': DATA_KEY,
};
const VIA_S3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
const VIA_SQS = { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` };
/** The uploader role's session tag (the uploader segment of the keys it may write). */
const TAGGED = { [`aws:PrincipalTag/${EXTRACTS_BUCKET.uploaderSessionTag}`]: 'clerk-7' };
/** A direct put that may not replace an object (If-None-Match: *), by a tagged uploader session. */
const CONDITIONAL_PUT = { ...SSE, ...TAGGED, 's3:if-none-match': '*', 's3:authType': 'REST-HEADER' };
/** A browser form upload (presigned POST): it cannot carry If-None-Match. */
const FORM_POST = { ...SSE, ...TAGGED, 's3:authType': 'POST' };
const withoutEncryption = (c: Record<string, string>) =>
  Object.fromEntries(Object.entries(c).filter(([k]) => !k.startsWith('s3:x-amz-server-side-encryption')));
const ANY_CONTEXT = [
  {},
  SSE,
  VIA_S3,
  VIA_SQS,
  { ...SSE, 's3:if-none-match': '*' },
  CONDITIONAL_PUT,
  FORM_POST,
];
/** Encryption requests every bucket refuses. */
const OTHER_KEY = `arn:aws:kms:${REGION}:123456789012:key/00000000-0000-4000-8000-000000000000`;
const REFUSED_ENCRYPTION: Record<string, string>[] = [
  { 's3:x-amz-server-side-encryption': 'AES256' },
  { 's3:x-amz-server-side-encryption': 'aws:kms' },
  { ...SSE, 's3:x-amz-server-side-encryption-aws-kms-key-id': OTHER_KEY },
  { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' },
];
/** What the sealer's PutObject sends (shared/adapters/aws/s3-checkpoints.ts): no SSE header. */
const SEALER_PUT = { 's3:if-none-match': '*', 's3:object-lock-mode': 'COMPLIANCE' };

const principal = (m: Model, id: string): Principal => {
  const p = m.principals.find((x) => x.id === id);
  if (!p) throw new Error(`no principal ${id}`);
  return p;
};
const roleId = (fn: { role: Parameters<typeof logicalId>[0] }) => logicalId(fn.role);
const UPLOADER = logicalId(stack.storage.uploaderRole);
const CLERK = roleId(stack.apiFunctions.clerk);
const INSTITUTION = roleId(stack.apiFunctions.institution);
const INTAKE = roleId(stack.intake);
const SEALER = roleId(stack.sealer);
const ADMIN = roleId(stack.apiFunctions.admin);
const AUDIT_API = roleId(stack.apiFunctions.audit);
const stackRoles = (m: Model) => m.principals.filter((p) => p.arn !== ADMINISTRATOR_ARN);
const byName = (m: Model, name: string) => m.principals.find((p) => p.arn.endsWith(`:role/${name}`))!;

/** `principal may action on resource` for every (principal, action, resource) where `can` holds. */
async function allowed(
  m: Model,
  principals: readonly Principal[],
  actions: readonly string[],
  resources: readonly string[],
  contexts = ANY_CONTEXT,
): Promise<string[]> {
  const out: string[] = [];
  for (const p of principals) {
    for (const action of actions) {
      for (const resource of resources) {
        if (await can(m, p, action, resource, contexts)) out.push(`${p.id} may ${action} on ${resource}`);
      }
    }
  }
  return out;
}

/** The principals (by id) allowed an action on a resource, in the given contexts. */
async function who(m: Model, action: string, resource: string, contexts = ANY_CONTEXT): Promise<string[]> {
  const out: string[] = [];
  for (const p of m.principals) if (await can(m, p, action, resource, contexts)) out.push(p.id);
  return out.sort();
}

// --- The properties, each listing its violations ---------------------------------------------

const PROPERTIES = {
  /** The uploader (role and clerk function) can put under incoming/, and nothing else on the bucket. */
  async uploader(m: Model): Promise<string[]> {
    const problems: string[] = [];
    for (const [id, howItPuts] of [
      [UPLOADER, CONDITIONAL_PUT],
      [CLERK, FORM_POST],
    ] as const) {
      const p = principal(m, id);
      if (!(await can(m, p, 's3:PutObject', UPLOAD, [howItPuts])))
        problems.push(`${id} cannot put an extract`);
      if (!(await can(m, p, 'kms:GenerateDataKey', DATA_KEY, [VIA_S3])))
        problems.push(`${id} cannot have S3 encrypt with the data key`);
      problems.push(
        ...(await allowed(m, [p], ['s3:PutObject'], [ELSEWHERE])),
        ...(await allowed(
          m,
          [p],
          ['s3:PutObject'],
          [UPLOAD],
          REFUSED_ENCRYPTION.flatMap((c) => [
            { ...withoutEncryption(CONDITIONAL_PUT), ...c },
            { ...withoutEncryption(FORM_POST), ...c },
          ]),
        )),
        ...(await allowed(
          m,
          [p],
          ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion'],
          [UPLOAD, ELSEWHERE],
        )),
        ...(await allowed(m, [p], ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'], [EXTRACTS])),
      );
    }
    return problems;
  },

  /**
   * Upload keys are single-use where S3 can enforce it and written only through the upload API:
   * no principal puts under incoming/ without `If-None-Match: *` except by a form POST; only the
   * clerk API's role signs form POSTs; only the two upload paths write there at all; the uploader
   * role writes only under the prefix of its session tag.
   */
  async singleUseUploads(m: Model): Promise<string[]> {
    const unconditional = [
      {},
      SSE,
      { ...SSE, ...TAGGED },
      { ...SSE, ...TAGGED, 's3:authType': 'REST-HEADER' },
    ];
    const problems = await allowed(m, m.principals, ['s3:PutObject'], [UPLOAD], unconditional);
    const posters = await who(m, 's3:PutObject', UPLOAD, [FORM_POST]);
    if (JSON.stringify(posters) !== JSON.stringify([CLERK]))
      problems.push(`form POSTs by: ${posters.join(', ')}`);
    const writers = await who(m, 's3:PutObject', UPLOAD, [CONDITIONAL_PUT, FORM_POST]);
    if (JSON.stringify(writers) !== JSON.stringify([CLERK, UPLOADER].sort()))
      problems.push(`writers under incoming/: ${writers.join(', ')}`);
    if (await can(m, principal(m, UPLOADER), 's3:PutObject', OTHER_CLERKS_UPLOAD, [CONDITIONAL_PUT]))
      problems.push("the uploader role (tagged clerk-7) may put under another clerk's prefix");
    const untagged = { ...SSE, 's3:if-none-match': '*', 's3:authType': 'REST-HEADER' };
    if (await can(m, principal(m, UPLOADER), 's3:PutObject', UPLOAD, [untagged]))
      problems.push('the uploader role may put without a session tag');
    return problems;
  },

  /**
   * The page image an operator compares a held scan with comes from the intake alone (nobody
   * else, administrators included, can put one), and only the operator API reads it back.
   */
  async reviewImagesFromIntake(m: Model): Promise<string[]> {
    const problems: string[] = [];
    const writers = await who(m, 's3:PutObject', REVIEW_IMAGE, [SSE]);
    if (JSON.stringify(writers) !== JSON.stringify([INTAKE]))
      problems.push(`review image writers: ${writers.join(', ')}`);
    const readers = (await who(m, 's3:GetObject', REVIEW_IMAGE, [{}])).filter(
      (id) => id !== 'AccountAdministrator',
    );
    if (JSON.stringify(readers) !== JSON.stringify([ADMIN]))
      problems.push(`review image readers: ${readers.join(', ')}`);
    return problems;
  },

  /** No principal, administrators included, can change or remove an audit record; writers can append. */
  async auditAppendOnly(m: Model): Promise<string[]> {
    const problems = await allowed(m, m.principals, APPEND_ONLY_DENIED_ACTIONS, [AUDIT_TABLE]);
    for (const id of [INTAKE, CLERK, INSTITUTION]) {
      if (!(await can(m, principal(m, id), 'dynamodb:PutItem', AUDIT_TABLE)))
        problems.push(`${id} cannot append`);
    }
    return problems;
  },

  /** No principal can delete or overwrite a checkpoint; no role of the stacks can loosen the bucket. */
  async checkpointsWriteOnce(m: Model): Promise<string[]> {
    const noCondition = [{}, SSE];
    const problems = [
      ...(await allowed(m, m.principals, ['s3:DeleteObject', 's3:DeleteObjectVersion'], [CHECKPOINT])),
      ...(await allowed(m, m.principals, ['s3:PutObject'], [CHECKPOINT], noCondition)),
      ...(await allowed(
        m,
        stackRoles(m),
        ['s3:BypassGovernanceRetention', 's3:PutObjectLegalHold'],
        [CHECKPOINT],
      )),
      ...(await allowed(
        m,
        stackRoles(m),
        [
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:PutBucketObjectLockConfiguration',
          's3:PutBucketVersioning',
          's3:PutLifecycleConfiguration',
        ],
        [CHECKPOINTS],
      )),
    ];
    // The sealer's actual request: no encryption header (the bucket default applies), If-None-Match.
    if (!(await can(m, principal(m, SEALER), 's3:PutObject', CHECKPOINT, [SEALER_PUT])))
      problems.push('the sealer cannot write a new checkpoint as it does (no SSE header, If-None-Match)');
    problems.push(
      ...(await allowed(
        m,
        [principal(m, SEALER)],
        ['s3:PutObject'],
        [CHECKPOINT],
        REFUSED_ENCRYPTION.map((c) => ({ ...c, ...SEALER_PUT })),
      )),
    );
    return problems;
  },

  /** The institution-facing function reaches nothing of the extracts bucket. */
  async institutionCannotReadExtracts(m: Model): Promise<string[]> {
    const p = principal(m, INSTITUTION);
    return [
      ...(await allowed(
        m,
        [p],
        ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'],
        [UPLOAD, ELSEWHERE],
      )),
      ...(await allowed(m, [p], ['s3:ListBucket', 's3:ListBucketVersions'], [EXTRACTS])),
    ];
  },

  /** Deleting an extract (or one of its versions): the intake function and nobody else. */
  async onlyIntakeDeletes(m: Model): Promise<string[]> {
    const problems: string[] = [];
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) {
      const deleters = await who(m, action, UPLOAD);
      if (JSON.stringify(deleters) !== JSON.stringify([INTAKE]))
        problems.push(`${action}: ${deleters.join(', ')}`);
    }
    return problems;
  },

  /**
   * The Merkle tiles and their pointer (control-table items, issue 14): the two proof readers (the
   * audit API, the clerk API's receipts) and the sealer read them; among the stacks' roles only the
   * sealer updates them, and the operator API's PutItem on the switch table is the one other write
   * (tiles are untrusted — a wrong one gives a proof the server refuses —, so it cannot forge).
   */
  async merkleTiles(m: Model): Promise<string[]> {
    const problems: string[] = [];
    for (const key of [`${AUDIT_TILE_KEYS.tilePrefix}0#0`, AUDIT_TILE_KEYS.pointer]) {
      const item = [{ 'dynamodb:LeadingKeys': key }];
      for (const id of [AUDIT_API, CLERK, SEALER])
        if (!(await can(m, principal(m, id), 'dynamodb:GetItem', CONTROL_TABLE, item)))
          problems.push(`${id} cannot read ${key}`);
      const roles = new Set(stackRoles(m).map((p) => p.id));
      const updaters = (await who(m, 'dynamodb:UpdateItem', CONTROL_TABLE, item)).filter((id) =>
        roles.has(id),
      );
      if (JSON.stringify(updaters) !== JSON.stringify([SEALER]))
        problems.push(`UpdateItem ${key}: ${updaters.join(', ')}`);
      const putters = (await who(m, 'dynamodb:PutItem', CONTROL_TABLE, item)).filter((id) => roles.has(id));
      if (JSON.stringify(putters) !== JSON.stringify([ADMIN]))
        problems.push(`PutItem ${key}: ${putters.join(', ')}`);
    }
    return problems;
  },

  /**
   * The HMAC key computes MACs for its named users only; the signing key signs for the sealer only
   * (tree heads), the receipt key for the clerk API only (receipts), the webhook key for the
   * delivery function only (notifications) — whose public half the institution API may read.
   */
  async keysForTheirUsersOnly(m: Model): Promise<string[]> {
    const problems: string[] = [];
    const expected = (names: readonly string[]) =>
      names.map((n) => byName(m, functionRoleName(stack.stateful.envName, n as never)).id).sort();
    const mac = await who(m, 'kms:GenerateMac', HMAC_KEY);
    if (JSON.stringify(mac) !== JSON.stringify(expected(KEY_USERS.hmac)))
      problems.push(`GenerateMac: ${mac.join(', ')}`);
    const verify = await who(m, 'kms:VerifyMac', HMAC_KEY);
    const outside = verify.filter((id) => !expected(KEY_USERS.hmac).includes(id));
    if (outside.length) problems.push(`VerifyMac: ${outside.join(', ')}`);
    const sign = await who(m, 'kms:Sign', SIGNING_KEY);
    if (JSON.stringify(sign) !== JSON.stringify(expected(KEY_USERS.signing)))
      problems.push(`Sign: ${sign.join(', ')}`);
    const receipts = await who(m, 'kms:Sign', RECEIPT_KEY);
    if (JSON.stringify(receipts) !== JSON.stringify(expected(KEY_USERS.receipts)))
      problems.push(`Sign receipts: ${receipts.join(', ')}`);
    const webhooks = await who(m, 'kms:Sign', WEBHOOK_KEY);
    if (JSON.stringify(webhooks) !== JSON.stringify(expected(KEY_USERS.webhooks)))
      problems.push(`Sign webhooks: ${webhooks.join(', ')}`);
    const publicKey = await who(m, 'kms:GetPublicKey', WEBHOOK_KEY);
    for (const fn of ['api-institution', ...KEY_USERS.webhooks])
      if (!publicKey.includes(expected([fn])[0]!)) problems.push(`GetPublicKey webhooks: not ${fn}`);
    return problems;
  },
};

describe('the uploader (its role, and the clerk function that signs presigned POSTs)', () => {
  test('can put an extract under the upload prefix, encrypted with the data key, and can neither delete, read nor change the bucket policy', async () => {
    assert.deepEqual(await PROPERTIES.uploader(model), []);
  });

  test('is refused, explicitly, a put asking for another algorithm, aws:kms without the key id, another key or a customer key; a conditional put without encryption headers is allowed (the bucket encrypts it with the data key)', async () => {
    const uploader = principal(model, UPLOADER);
    for (const context of REFUSED_ENCRYPTION) {
      assert.equal(
        await decide(model, uploader, 's3:PutObject', UPLOAD, context),
        'ExplicitlyDenied',
        JSON.stringify(context),
      );
    }
    assert.equal(
      await decide(model, uploader, 's3:PutObject', UPLOAD, { ...TAGGED, 's3:if-none-match': '*' }),
      'Allowed',
    );
  });
});

describe('upload keys', () => {
  test('S3 refuses a second write to an incoming/ key where it can: every direct put must carry If-None-Match: *; only the clerk API signs form POSTs (which cannot carry it); only the two upload paths write there; the uploader role only under its session tag', async () => {
    assert.deepEqual(await PROPERTIES.singleUseUploads(model), []);
  });

  test('a put without If-None-Match is refused explicitly, whoever sends it (administrators included)', async () => {
    for (const p of [principal(model, UPLOADER), principal(model, 'AccountAdministrator')]) {
      assert.equal(
        await decide(model, p, 's3:PutObject', UPLOAD, { ...SSE, ...TAGGED, 's3:authType': 'REST-HEADER' }),
        'ExplicitlyDenied',
        p.id,
      );
    }
  });
});

describe('the audit trail is append-only for every principal', () => {
  test(`no principal — every role of both stacks and an account administrator — may ${APPEND_ONLY_DENIED_ACTIONS.map((a) => a.replace('dynamodb:', '')).join(', ')} on the audit table; the writers can append`, async () => {
    assert.deepEqual(await PROPERTIES.auditAppendOnly(model), []);
  });

  test('no principal may delete or overwrite a checkpoint, no role of the stacks may loosen the checkpoint bucket, and the sealer can add one the way its code does', async () => {
    assert.deepEqual(await PROPERTIES.checkpointsWriteOnce(model), []);
  });
});

describe('extracts', () => {
  test('the institution-facing function can neither read nor list the extracts bucket', async () => {
    assert.deepEqual(await PROPERTIES.institutionCannotReadExtracts(model), []);
  });

  test('only the intake function can delete an extract or one of its versions — not the operator API, not an administrator', async () => {
    assert.deepEqual(await PROPERTIES.onlyIntakeDeletes(model), []);
  });
});

describe('held scans', () => {
  test('only the intake puts a page image under review/ (administrators included), and only the operator API reads it', async () => {
    assert.deepEqual(await PROPERTIES.reviewImagesFromIntake(model), []);
  });
});

describe('Merkle tiles', () => {
  test('the audit and clerk APIs and the sealer read the tiles; among the stacks only the sealer updates them (the operator API may put any switch item, harmless: tiles are verified)', async () => {
    assert.deepEqual(await PROPERTIES.merkleTiles(model), []);
  });
});

describe('keys', () => {
  test(`only ${KEY_USERS.hmac.join(', ')} compute MACs with the HMAC key, only ${KEY_USERS.signing.join(', ')} sign with the signing key (tree heads) only ${KEY_USERS.receipts.join(', ')} with the receipt key and only ${KEY_USERS.webhooks.join(', ')} with the webhook key — administrators included`, async () => {
    assert.deepEqual(await PROPERTIES.keysForTheirUsersOnly(model), []);
  });

  test('the model sees every role of both stacks (uploader, nine functions, the Cognito trigger, console deployment) and the administrator', () => {
    assert.equal(model.principals.length, 13, model.principals.map((p) => p.id).join(', '));
  });
});

describe('each property fails when broken', () => {
  const admin = 'AccountAdministrator';
  const allow = (action: string | string[], resource: string | string[]) => ({
    Effect: 'Allow' as const,
    Action: action,
    Resource: resource,
  });
  const MUTATIONS: [string, keyof typeof PROPERTIES, () => Model][] = [
    [
      'the institution function may also update control-table items',
      'merkleTiles',
      () => withIdentityStatement(model, INSTITUTION, allow('dynamodb:UpdateItem', CONTROL_TABLE)),
    ],
    [
      'the clerk function loses its control-table read',
      'merkleTiles',
      () => withoutIdentityStatement(model, CLERK, 'ControlTable'),
    ],
    [
      'the uploader is also granted s3:GetObject on the bucket',
      'uploader',
      () => withIdentityStatement(model, UPLOADER, allow('s3:GetObject', `${EXTRACTS}/*`)),
    ],
    [
      'the clerk function may also change the bucket policy',
      'uploader',
      () => withIdentityStatement(model, CLERK, allow('s3:PutBucketPolicy', EXTRACTS)),
    ],
    [
      'the uploader loses its own Deny and the bucket its delete rule, and is granted DeleteObject',
      'uploader',
      () =>
        withIdentityStatement(
          withoutResourceStatement(
            withoutIdentityStatement(model, UPLOADER, 'NeverDelete'),
            EXTRACTS,
            'OnlyTheIntakeDeletesExtracts',
          ),
          UPLOADER,
          allow('s3:DeleteObject', `${EXTRACTS}/*`),
        ),
    ],
    [
      'the uploader loses its put grant (a property that only forbids would pass)',
      'uploader',
      () => withoutIdentityStatement(model, UPLOADER, 'PutExtracts'),
    ],
    [
      'the bucket no longer requires If-None-Match on direct puts under incoming/',
      'singleUseUploads',
      () => withoutResourceStatement(model, EXTRACTS, 'UploadKeysAreSingleUse'),
    ],
    [
      'the bucket no longer restricts who signs form POSTs',
      'singleUseUploads',
      () => withoutResourceStatement(model, EXTRACTS, 'OnlyTheUploadApiSignsUploadForms'),
    ],
    [
      'the bucket no longer restricts who writes under incoming/',
      'singleUseUploads',
      () => withoutResourceStatement(model, EXTRACTS, 'OnlyTheUploadersWriteUploads'),
    ],
    [
      'the uploader role may put under every prefix of incoming/',
      'singleUseUploads',
      () => withIdentityStatement(model, UPLOADER, allow('s3:PutObject', `${EXTRACTS}/incoming/*`)),
    ],
    [
      'the bucket no longer restricts who writes page images under review/',
      'reviewImagesFromIntake',
      () => withoutResourceStatement(model, EXTRACTS, 'OnlyTheIntakeWritesReviewImages'),
    ],
    [
      "the audit table's resource policy is dropped (the administrator may then UpdateItem)",
      'auditAppendOnly',
      () => withoutResourceStatement(model, AUDIT_TABLE, 'RecordsAreNeverChangedOrRemoved'),
    ],
    [
      'the checkpoint bucket no longer denies deletes',
      'checkpointsWriteOnce',
      () => withoutResourceStatement(model, CHECKPOINTS, 'DenyDeletingCheckpoints'),
    ],
    [
      'the checkpoint bucket no longer requires If-None-Match',
      'checkpointsWriteOnce',
      () => withoutResourceStatement(model, CHECKPOINTS, 'DenyOverwritingCheckpoints'),
    ],
    [
      'the sealer may change the checkpoint bucket policy',
      'checkpointsWriteOnce',
      () => withIdentityStatement(model, SEALER, allow('s3:PutBucketPolicy', CHECKPOINTS)),
    ],
    [
      'the institution function is granted GetObject on the extracts',
      'institutionCannotReadExtracts',
      () => withIdentityStatement(model, INSTITUTION, allow('s3:GetObject', `${EXTRACTS}/*`)),
    ],
    [
      'the extracts bucket no longer restricts deletes to the intake',
      'onlyIntakeDeletes',
      () => withoutResourceStatement(model, EXTRACTS, 'OnlyTheIntakeDeletesExtracts'),
    ],
    [
      'the HMAC key policy no longer names its users',
      'keysForTheirUsersOnly',
      () => withoutResourceStatement(model, HMAC_KEY, 'OnlyThePseudonymisingFunctionsComputeMacs'),
    ],
    [
      'the signing key policy no longer names the sealer',
      'keysForTheirUsersOnly',
      () => withoutResourceStatement(model, SIGNING_KEY, 'OnlyTheAuditSealerSigns'),
    ],
    [
      'the receipt key policy no longer names the clerk API',
      'keysForTheirUsersOnly',
      () => withoutResourceStatement(model, RECEIPT_KEY, 'OnlyTheClerkApiSignsReceipts'),
    ],
    [
      'the webhook key policy no longer names the delivery function',
      'keysForTheirUsersOnly',
      () => withoutResourceStatement(model, WEBHOOK_KEY, 'OnlyTheWebhookDeliverySigns'),
    ],
    [
      'the institution API loses its read of the webhook public key',
      'keysForTheirUsersOnly',
      () => withoutIdentityStatement(model, INSTITUTION, 'WebhooksKey'),
    ],
  ];
  for (const [mutation, property, mutate] of MUTATIONS) {
    test(`${property} fails when ${mutation}`, async () => {
      const violations = await PROPERTIES[property](mutate());
      assert.ok(violations.length > 0, `${property} still holds after: ${mutation}`);
    });
  }

  test('defence in depth: an identity grant alone does not break a property guarded by a resource policy', async () => {
    // The intake granted UpdateItem on the audit table, the clerk GenerateMac, the admin function
    // DeleteObject on the extracts: each grant is refused by the table, key or bucket policy.
    const granted = withIdentityStatement(
      withIdentityStatement(
        withIdentityStatement(model, INTAKE, allow('dynamodb:UpdateItem', AUDIT_TABLE)),
        CLERK,
        allow('kms:GenerateMac', HMAC_KEY),
      ),
      roleId(stack.apiFunctions.admin),
      allow('s3:DeleteObject', `${EXTRACTS}/*`),
    );
    assert.deepEqual(await PROPERTIES.auditAppendOnly(granted), []);
    assert.deepEqual(await PROPERTIES.keysForTheirUsersOnly(granted), []);
    assert.deepEqual(await PROPERTIES.onlyIntakeDeletes(granted), []);
    assert.equal(admin, 'AccountAdministrator');
  });
});
