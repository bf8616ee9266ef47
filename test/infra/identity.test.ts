/**
 * Identity: the Cognito user pool (default) or an external OpenID issuer (context), and what the
 * JWT authorizer and the functions' AUTH_* variables are made of in each case; the context keys.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { readDeployConfig } from '../../infra/config.js';
import { ROLES } from '../../shared/domain/principal.js';
import { INSTITUTION_SCOPE } from '../../shared/auth/verify.js';
import { ENV } from '../../shared/config/resources.js';
import { defaultRegister } from '../../shared/domain/institutions.js';
import { contains, ref, resolveValue, synthesize, view } from './stack-fixture.js';

const { stack, template } = synthesize();
const { resources, id, propsOf, envOf } = view(template);
const ofType = (type: string, res = resources) => Object.entries(res).filter(([, r]) => r.Type === type);

describe('Cognito user pool (default)', () => {
  const pool = id(stack.identity.userPool!);
  const p = propsOf(pool);

  test('nobody signs up: administrators create users', () => {
    assert.deepEqual(p['AdminCreateUserConfig'], { AllowAdminCreateUserOnly: true });
  });

  test('MFA is required and is TOTP only (no SMS)', () => {
    assert.equal(p['MfaConfiguration'], 'ON');
    assert.deepEqual(p['EnabledMfas'], ['SOFTWARE_TOKEN_MFA']);
  });

  test('the password policy is strong and temporary passwords expire', () => {
    const policy = (p['Policies'] as { PasswordPolicy: Record<string, unknown> }).PasswordPolicy;
    assert.ok((policy['MinimumLength'] as number) >= 14);
    for (const k of ['RequireLowercase', 'RequireUppercase', 'RequireNumbers', 'RequireSymbols'])
      assert.equal(policy[k], true, k);
    assert.ok((policy['TemporaryPasswordValidityDays'] as number) <= 7);
  });

  test('threat protection is enforced, deletion is protected and the pool is retained', () => {
    assert.equal(p['UserPoolTier'], 'PLUS');
    assert.deepEqual(p['UserPoolAddOns'], { AdvancedSecurityMode: 'ENFORCED' });
    assert.equal(p['DeletionProtection'], 'ACTIVE');
    assert.equal(resources[pool]!.DeletionPolicy, 'Retain');
  });

  test('there is one group per role but student (a student needs the number an external issuer vouches for)', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, r]) => r.Properties['GroupName']);
    assert.deepEqual([...groups].sort(), ROLES.filter((r) => r !== 'student').sort());
  });

  test(`the resource server ${INSTITUTION_SCOPE.split('/')[0]} offers the scope ${INSTITUTION_SCOPE.split('/')[1]}`, () => {
    const [server] = ofType('AWS::Cognito::UserPoolResourceServer');
    assert.equal(server![1].Properties['Identifier'], INSTITUTION_SCOPE.split('/')[0]);
    assert.deepEqual(
      (server![1].Properties['Scopes'] as { ScopeName: string }[]).map((s) => s.ScopeName),
      [INSTITUTION_SCOPE.split('/')[1]],
    );
  });

  const distribution = id(stack.consoleHosting.distribution);
  const cloudFrontUrl = (path: string) => ({
    'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, path]],
  });

  test('the console client uses the authorization code flow, has no secret, and calls back to the CloudFront console only', () => {
    const c = propsOf(id(stack.identity.consoleClient!));
    assert.deepEqual(c['AllowedOAuthFlows'], ['code']);
    assert.equal(c['GenerateSecret'], false);
    assert.deepEqual(c['CallbackURLs'], [cloudFrontUrl('/callback')]);
    assert.deepEqual(c['LogoutURLs'], [cloudFrontUrl('/')]);
    assert.equal(c['PreventUserExistenceErrors'], 'ENABLED');
    assert.deepEqual(c['AllowedOAuthScopes'], ['openid', 'email', 'profile']);
  });

  test('extra console URLs (e.g. the local console against dev) come from the context, with the callback route', () => {
    const other = synthesize('dev', {
      consoleUrls: 'https://console.ahovoks.example, http://localhost:4580/',
    });
    const v = view(other.template);
    assert.deepEqual(v.propsOf(v.id(other.stack.identity.consoleClient!))['CallbackURLs'], [
      cloudFrontUrl('/callback'),
      'https://console.ahovoks.example/callback',
      'http://localhost:4580/callback',
    ]);
  });

  test('with a custom console domain the client calls back to that domain', () => {
    const other = synthesize('dev', {
      consoleDomainName: 'leerkrediet.ahovoks.example',
      consoleCertificateArn:
        'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
    });
    const v = view(other.template);
    assert.deepEqual(v.propsOf(v.id(other.stack.identity.consoleClient!))['CallbackURLs'], [
      'https://leerkrediet.ahovoks.example/callback',
    ]);
  });

  test('every institution of the register has one confidential client-credentials client with the institution scope and no user flows', () => {
    const clients = ofType('AWS::Cognito::UserPoolClient').filter(
      ([, r]) => r.Properties['ClientName'] !== 'console',
    );
    assert.equal(clients.length, defaultRegister.institutions.length);
    assert.deepEqual(
      clients.map(([, r]) => r.Properties['ClientName']).sort(),
      defaultRegister.institutions.map((i) => `institution-${i.code.toLowerCase()}`).sort(),
    );
    for (const [, r] of clients) {
      assert.equal(r.Properties['GenerateSecret'], true);
      assert.deepEqual(r.Properties['AllowedOAuthFlows'], ['client_credentials']);
      assert.deepEqual(
        (r.Properties['AllowedOAuthScopes'] as unknown[]).map((s) => resolveValue(resources, s)),
        [INSTITUTION_SCOPE],
      );
      assert.deepEqual(r.Properties['ExplicitAuthFlows'], ['ALLOW_REFRESH_TOKEN_AUTH']);
    }
  });

  test('the API functions verify tokens against the pool: issuer, JWKS, every client as audience, client → institution', () => {
    const clientIds = new Map(
      ofType('AWS::Cognito::UserPoolClient').map(([k, r]) => [
        resolveValue(resources, ref(k)),
        r.Properties['ClientName'] as string,
      ]),
    );
    for (const fn of stack.apiFunctions.all) {
      const env = envOf(fn);
      assert.deepEqual(env[ENV.authIssuer], { 'Fn::GetAtt': [id(stack.identity.userPool!), 'ProviderURL'] });
      assert.equal(
        resolveValue(resources, env[ENV.authJwksUrl]),
        `${resolveValue(resources, env[ENV.authIssuer])}/.well-known/jwks.json`,
      );
      const audiences = resolveValue(resources, env[ENV.authAudience]).split(',');
      assert.deepEqual(new Set(audiences), new Set(clientIds.keys()));
      const mapping = JSON.parse(resolveValue(resources, env[ENV.authClientInstitutions])) as Record<
        string,
        string
      >;
      assert.equal(Object.keys(mapping).length, defaultRegister.institutions.length);
      for (const [clientId, code] of Object.entries(mapping)) {
        assert.equal(clientIds.get(clientId), `institution-${code.toLowerCase()}`);
      }
    }
  });
});

describe('external OpenID issuer (context)', () => {
  const context = {
    oidcIssuer: 'https://idm.example.vlaanderen.be/op',
    oidcAudience: 'ruling-intake-api,ruling-intake-console',
    oidcClientInstitutions: JSON.stringify({ 'client-ugent': 'UGENT', 'client-kul': 'KUL' }),
  };
  const ext = synthesize('dev', context);
  const v = view(ext.template);

  test('no Cognito resource is created', () => {
    assert.deepEqual(
      Object.values(v.resources).filter((r) => r.Type.startsWith('AWS::Cognito::')),
      [],
    );
  });

  test('the authorizer trusts the external issuer and audiences', () => {
    const [, authorizer] = ofType('AWS::ApiGatewayV2::Authorizer', v.resources)[0]!;
    assert.deepEqual(authorizer.Properties['JwtConfiguration'], {
      Issuer: context.oidcIssuer,
      Audience: ['ruling-intake-api', 'ruling-intake-console'],
    });
  });

  test('the functions get the issuer, audiences, default JWKS URL and client mapping', () => {
    for (const fn of ext.stack.apiFunctions.all) {
      const env = v.envOf(fn);
      assert.equal(env[ENV.authIssuer], context.oidcIssuer);
      assert.equal(env[ENV.authAudience], 'ruling-intake-api,ruling-intake-console');
      assert.equal(env[ENV.authJwksUrl], `${context.oidcIssuer}/.well-known/jwks.json`);
      assert.deepEqual(JSON.parse(env[ENV.authClientInstitutions] as string), {
        'client-ugent': 'UGENT',
        'client-kul': 'KUL',
      });
    }
  });

  test('an explicit JWKS URL wins; the external-issuer stacks link without a cycle', () => {
    const other = synthesize('dev', {
      ...context,
      oidcJwksUrl: 'https://idm.example.vlaanderen.be/op/keys',
    });
    assert.equal(
      view(other.template).envOf(other.stack.apiFunctions.clerk)[ENV.authJwksUrl],
      'https://idm.example.vlaanderen.be/op/keys',
    );
  });
});

describe('deployment configuration (context)', () => {
  const read = (context: Record<string, unknown>) => readDeployConfig(new App({ context }).node);

  test('defaults: no CORS origin, no extra console URL, the Cognito pool, 20-year checkpoints, throttling, 90-day logs', () => {
    const c = read({});
    assert.deepEqual(c.allowedOrigins, []);
    assert.deepEqual(c.consoleUrls, []);
    assert.equal(c.logRetentionDays, 90);
    assert.equal(c.accessLogRetentionDays, 365);
    assert.equal(c.reserveConcurrency, false, 'a fresh account (quota 10) refuses any reservation');
    assert.equal(c.alarmEmail, undefined);
    assert.equal(c.consoleDomain, undefined);
    assert.equal(c.externalIssuer, undefined);
    assert.equal(c.checkpointRetentionDays, undefined);
    assert.equal(c.apiRateLimit, 50);
    assert.equal(c.apiBurstLimit, 100);
  });

  test('lists are accepted as JSON arrays (cdk.json) and comma-separated strings (-c)', () => {
    assert.deepEqual(read({ allowedOrigins: ['https://a.example', 'https://b.example'] }).allowedOrigins, [
      'https://a.example',
      'https://b.example',
    ]);
    assert.deepEqual(read({ allowedOrigins: '["https://a.example"]' }).allowedOrigins, ['https://a.example']);
    assert.deepEqual(read({ allowedOrigins: 'https://a.example, https://b.example' }).allowedOrigins, [
      'https://a.example',
      'https://b.example',
    ]);
  });

  test('invalid values are refused with the name of the key', () => {
    assert.throws(() => read({ oidcIssuer: 'https://idm.example' }), /oidcAudience.*required/);
    assert.throws(() => read({ oidcIssuer: 'http://idm.example', oidcAudience: 'a' }), /oidcIssuer.*https/);
    assert.throws(() => read({ oidcAudience: 'a' }), /oidcAudience.*only meaningful with oidcIssuer/);
    assert.throws(
      () =>
        read({
          oidcIssuer: 'https://idm.example',
          oidcAudience: 'a',
          oidcClientInstitutions: '{"c":"NOPE"}',
        }),
      /oidcClientInstitutions.*NOPE.*not in the institution register/,
    );
    assert.throws(() => read({ checkpointRetentionDays: '0' }), /checkpointRetentionDays.*positive integer/);
    assert.throws(() => read({ apiRateLimit: 'fast' }), /apiRateLimit/);
    assert.throws(() => read({ consoleUrls: 'ftp://console.example' }), /consoleUrls/);
    assert.throws(() => read({ alarmEmail: 'ops' }), /alarmEmail.*not an e-mail/);
    assert.throws(() => read({ reserveConcurrency: 'maybe' }), /reserveConcurrency.*true or false/);
    assert.throws(
      () => read({ consoleDomainName: 'console.example.be' }),
      /consoleCertificateArn.*go together/,
    );
    assert.throws(
      () =>
        read({
          consoleDomainName: 'console.example.be',
          consoleCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
        }),
      /consoleCertificateArn.*us-east-1/,
    );
    assert.throws(
      () => read({ consoleWebAclArn: 'arn:aws:wafv2:eu-west-1:1:regional/webacl/x' }),
      /consoleWebAclArn/,
    );
    assert.throws(
      () => read({ oidcConsoleClientId: 'x' }),
      /oidcConsoleClientId.*only meaningful with oidcIssuer/,
    );
  });

  test('booleans and numbers arrive as strings from -c and as JSON from cdk.json; both are accepted', () => {
    assert.equal(read({ reserveConcurrency: 'false' }).reserveConcurrency, false);
    assert.equal(read({ reserveConcurrency: false }).reserveConcurrency, false);
    assert.equal(read({ reserveConcurrency: 'true' }).reserveConcurrency, true);
    assert.equal(read({ reserveConcurrency: true }).reserveConcurrency, true);
    assert.equal(read({ accessLogRetentionDays: '30' }).accessLogRetentionDays, 30);
    assert.equal(read({ accessLogRetentionDays: 30 }).accessLogRetentionDays, 30);
    assert.equal(read({ alarmEmail: 'ops@ahovoks.example' }).alarmEmail, 'ops@ahovoks.example');
  });

  test('the external issuer: the console client defaults to the first audience, or oidcConsoleClientId', () => {
    const base = { oidcIssuer: 'https://idm.example', oidcAudience: 'api,console' };
    assert.equal(read(base).externalIssuer?.consoleClientId, 'api');
    assert.equal(
      read({ ...base, oidcConsoleClientId: 'console' }).externalIssuer?.consoleClientId,
      'console',
    );
  });

  test('more audiences than an API Gateway JWT authorizer takes are refused at synth', () => {
    const audiences = Array.from({ length: 51 }, (_, i) => `client-${i}`).join(',');
    assert.throws(
      () => synthesize('dev', { oidcIssuer: 'https://idm.example', oidcAudience: audiences }),
      /at most 50 audiences/,
    );
  });

  test('the Cognito machine-client mapping in the environment never names an unknown institution', () => {
    const mapping = JSON.parse(
      resolveValue(resources, envOf(stack.apiFunctions.institution)[ENV.authClientInstitutions]),
    ) as Record<string, string>;
    for (const code of Object.values(mapping)) assert.ok(defaultRegister.byInstitutionCode(code), code);
    assert.ok(contains(Object.values(mapping), 'UGENT'));
  });
});

describe('external issuer: required authentication level', () => {
  test('oidcRequiredAcr and oidcRequiredAmr reach every API function as AUTH_REQUIRED_ACR/AMR; without them nothing is set', () => {
    const strict = synthesize('dev', {
      oidcIssuer: 'https://idm.example.vlaanderen.be/op',
      oidcAudience: 'ruling-intake-api',
      oidcRequiredAcr: 'urn:acm:niveau25,urn:acm:niveau35',
      oidcRequiredAmr: 'mfa',
    });
    for (const fn of strict.stack.apiFunctions.all) {
      const env = view(strict.template).envOf(fn);
      assert.equal(env[ENV.authRequiredAcr], 'urn:acm:niveau25,urn:acm:niveau35');
      assert.equal(env[ENV.authRequiredAmr], 'mfa');
    }
    for (const fn of stack.apiFunctions.all) assert.equal(envOf(fn)[ENV.authRequiredAcr], undefined);
    assert.throws(
      () => readDeployConfig(new App({ context: { oidcRequiredAcr: 'x' } }).node),
      /oidcRequiredAcr.*only meaningful with oidcIssuer/,
    );
  });
});

describe('external issuer: the student number claim', () => {
  test('oidcStudentNumberClaim reaches every API function as AUTH_STUDENT_NUMBER_CLAIM; without it the default applies', () => {
    const acm = synthesize('dev', {
      oidcIssuer: 'https://idm.example.vlaanderen.be/op',
      oidcAudience: 'ruling-intake-api',
      oidcStudentNumberClaim: 'rrn',
    });
    for (const fn of acm.stack.apiFunctions.all)
      assert.equal(view(acm.template).envOf(fn)[ENV.authStudentNumberClaim], 'rrn');
    for (const fn of stack.apiFunctions.all) assert.equal(envOf(fn)[ENV.authStudentNumberClaim], undefined);
    assert.throws(
      () => readDeployConfig(new App({ context: { oidcStudentNumberClaim: 'rrn' } }).node),
      /oidcStudentNumberClaim.*only meaningful with oidcIssuer/,
    );
    assert.throws(
      () =>
        readDeployConfig(
          new App({
            context: {
              oidcIssuer: 'https://idm.example/op',
              oidcAudience: 'a',
              oidcStudentNumberClaim: 'a b',
            },
          }).node,
        ),
      /oidcStudentNumberClaim.*claim name/,
    );
  });
});

describe('Cognito pre-token generation (institution people)', () => {
  const pool = id(stack.identity.userPool!);
  const p = propsOf(pool);
  const trigger = id(stack.identity.preToken!.function);

  test('the trigger is attached as a V2_0 pre-token-generation trigger, in the same stack as the pool', () => {
    const config = (p['LambdaConfig'] as Record<string, unknown>)['PreTokenGenerationConfig'];
    assert.deepEqual(config, {
      LambdaArn: { 'Fn::GetAtt': [trigger, 'Arn'] },
      LambdaVersion: 'V2_0',
    });
    assert.equal(resources[trigger]?.Type, 'AWS::Lambda::Function');
  });

  test('the pool has the custom attribute institution, and no app client may write it', () => {
    const schema = p['Schema'] as { Name: string; Mutable?: boolean; AttributeDataType: string }[];
    assert.ok(schema.some((a) => a.Name === 'institution' && a.AttributeDataType === 'String' && a.Mutable));
    const clients = ofType('AWS::Cognito::UserPoolClient');
    assert.ok(clients.length > 1);
    for (const [name, c] of clients) {
      const writable = c.Properties['WriteAttributes'] as string[] | undefined;
      assert.ok(Array.isArray(writable) && writable.length > 0, `${name} names what it may write`);
      assert.equal(writable.includes('custom:institution'), false, `${name} may write the institution`);
    }
  });

  test('Cognito may invoke the trigger, for this pool only', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, r]) =>
      contains(r.Properties['FunctionName'], { 'Fn::GetAtt': [trigger, 'Arn'] }),
    );
    assert.equal(permissions.length, 1);
    assert.equal(permissions[0]![1].Properties['Principal'], 'cognito-idp.amazonaws.com');
    assert.deepEqual(permissions[0]![1].Properties['SourceArn'], { 'Fn::GetAtt': [pool, 'Arn'] });
  });
});
