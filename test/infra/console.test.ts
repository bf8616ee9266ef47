/**
 * The console on AWS (issue 5's hosting): a private bucket read by CloudFront through origin
 * access control; the distribution serving the files (with the single-page fallback) and
 * forwarding /v1/* to the API uncached; the security headers — the same as the local console
 * server sends; `config.json` naming the issuer and the console client; the console's URL as the
 * Cognito callback and the extracts bucket's upload origin; a placeholder when the console is not
 * built, without failing the synth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  API_PATH_PATTERN,
  CONSOLE_CUSTOM_HEADERS,
  SPA_FALLBACK_CODE,
} from '../../infra/constructs/console-hosting.js';
import { IMMUTABLE, REVALIDATE } from '../../infra/constructs/console-deployment.js';
import { ACCESS_LOG_PREFIXES } from '../../infra/constructs/storage.js';
import { CONSOLE_CALLBACK_PATH } from '../../infra/constructs/identity.js';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { consoleCsp, consoleHandler } from '../../infra/local/console.js';
import {
  arnOf,
  assertPrivateBucket,
  contains,
  logicalId,
  ref,
  resolveValue,
  synthesize,
  view,
  type Resource,
} from './stack-fixture.js';

/** A built console as `npm run build:web` lays it out (the real build is tested with the web console). */
const dist = await mkdtemp(join(tmpdir(), 'ruling-intake-console-dist-'));
await mkdir(join(dist, 'assets'));
await writeFile(
  join(dist, 'index.html'),
  '<!doctype html><script type="module" src="/assets/app-1A2B3C.js"></script>',
);
await writeFile(join(dist, 'assets/app-1A2B3C.js'), 'console.log(1)');
after(() => rm(dist, { recursive: true, force: true }));

const { stack, template } = synthesize('dev', {}, { consoleDistDir: dist });
const { resources, propsOf, ofType } = view(template);

const distributionId = logicalId(stack.consoleHosting.distribution);
const bucketId = logicalId(stack.consoleHosting.bucket);
const config = (propsOf(distributionId)['DistributionConfig'] ?? {}) as {
  DefaultCacheBehavior: Record<string, unknown>;
  CacheBehaviors: Record<string, unknown>[];
  Origins: {
    Id: string;
    DomainName: unknown;
    S3OriginConfig?: unknown;
    OriginAccessControlId?: unknown;
    CustomOriginConfig?: Record<string, unknown>;
  }[];
  Logging?: unknown;
  DefaultRootObject: string;
  ViewerCertificate?: unknown;
  HttpVersion: string;
};
const headersPolicy = (propsOf(logicalId(stack.consoleHosting.headers))['ResponseHeadersPolicyConfig'] ??
  {}) as {
  SecurityHeadersConfig: Record<string, Record<string, unknown>>;
  CustomHeadersConfig: { Items: { Header: string; Value: string; Override: boolean }[] };
};
const resolve = (v: unknown) => resolveValue(resources, v);

/** AWS's managed cache and origin request policies. */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('console bucket', () => {
  test('is private, TLS-only, owner-enforced, encrypted, logged to the access log bucket and retained', () => {
    const p = propsOf(bucketId);
    assertPrivateBucket(p);
    assert.ok(contains(p['BucketEncryption'], { SSEAlgorithm: 'AES256' }));
    assert.deepEqual(p['LoggingConfiguration'], {
      DestinationBucketName: ref(logicalId(stack.storage.accessLogs)),
      LogFilePrefix: ACCESS_LOG_PREFIXES.console,
    });
    assert.equal(resources[bucketId]!.DeletionPolicy, 'Retain');
  });

  test('only this distribution may read it (origin access control: the CloudFront service with this distribution as source)', () => {
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, r]) =>
      contains(r.Properties['Bucket'], ref(bucketId)),
    );
    const statements = policies.flatMap(
      ([, r]) => (r.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement,
    );
    const allows = statements.filter((s) => s['Effect'] === 'Allow');
    assert.equal(allows.length, 1);
    assert.deepEqual(allows[0]!['Principal'], { Service: 'cloudfront.amazonaws.com' });
    assert.equal(allows[0]!['Action'], 's3:GetObject');
    assert.ok(contains(allows[0]!['Condition'], { Ref: distributionId }));
    assert.ok(
      statements.some(
        (s) => s['Effect'] === 'Deny' && contains(s['Condition'], { 'aws:SecureTransport': 'false' }),
      ),
    );
  });
});

describe('distribution', () => {
  test('serves the files from the bucket through origin access control, HTTPS only, cached, with the security headers and the single-page fallback', () => {
    const s3Origin = config.Origins.find((o) => o.S3OriginConfig !== undefined)!;
    assert.ok(contains(s3Origin.DomainName, { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] }));
    assert.ok(s3Origin.OriginAccessControlId, 'no origin access control');
    assert.deepEqual(s3Origin.S3OriginConfig, { OriginAccessIdentity: '' });
    const d = config.DefaultCacheBehavior;
    assert.equal(d['TargetOriginId'], s3Origin.Id);
    assert.equal(d['ViewerProtocolPolicy'], 'redirect-to-https');
    assert.equal(d['CachePolicyId'], CACHING_OPTIMIZED);
    assert.deepEqual(d['ResponseHeadersPolicyId'], ref(logicalId(stack.consoleHosting.headers)));
    assert.deepEqual(d['FunctionAssociations'], [
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [logicalId(stack.consoleHosting.spaFallback), 'FunctionARN'] },
      },
    ]);
    assert.equal(config.DefaultRootObject, 'index.html');
    assert.equal(config.HttpVersion, 'http2and3');
  });

  test('forwards /v1/* to the API stage, uncached, with every viewer header but Host (so Authorization reaches the API), over TLS 1.2', () => {
    assert.equal(config.CacheBehaviors.length, 1);
    const api = config.CacheBehaviors[0]!;
    assert.equal(api['PathPattern'], API_PATH_PATTERN);
    assert.equal(api['CachePolicyId'], CACHING_DISABLED);
    assert.equal(api['OriginRequestPolicyId'], ALL_VIEWER_EXCEPT_HOST_HEADER);
    assert.equal(api['ViewerProtocolPolicy'], 'https-only');
    assert.deepEqual(api['AllowedMethods'], ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
    assert.equal(api['FunctionAssociations'], undefined, 'no single-page fallback on the API');
    assert.deepEqual(api['ResponseHeadersPolicyId'], ref(logicalId(stack.consoleHosting.headers)));
    const origin = config.Origins.find((o) => o.Id === api['TargetOriginId'])!;
    assert.equal(
      resolve(origin.DomainName),
      `${resolve(ref(logicalId(stack.apiEndpoint.httpApi)))}.execute-api.eu-central-1.amazonaws.com`,
    );
    assert.deepEqual(origin.CustomOriginConfig, {
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  test('writes no CloudFront access log (it would hold API paths with national numbers)', () => {
    assert.equal(config.Logging, undefined);
  });

  test('with consoleDomainName the distribution answers that name with its certificate and TLS 1.2 (2021) at least', () => {
    const other = synthesize('dev', {
      consoleDomainName: 'leerkrediet.ahovoks.example',
      consoleCertificateArn:
        'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
      consoleWebAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/console/0a1b2c3d',
    });
    const v = view(other.template);
    const c = v.propsOf(logicalId(other.stack.consoleHosting.distribution))['DistributionConfig'] as Record<
      string,
      unknown
    >;
    assert.deepEqual(c['Aliases'], ['leerkrediet.ahovoks.example']);
    assert.equal(
      (c['ViewerCertificate'] as Record<string, unknown>)['MinimumProtocolVersion'],
      'TLSv1.2_2021',
    );
    assert.equal(c['WebACLId'], 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/console/0a1b2c3d');
  });
});

describe('single-page fallback (CloudFront Function, run here)', () => {
  const fn = new Function(`${SPA_FALLBACK_CODE}; return handler;`)() as (e: { request: { uri: string } }) => {
    uri: string;
  };
  const uri = (path: string) => fn({ request: { uri: path } }).uri;

  test('routes of the app get /index.html; files, config.json and assets are served as themselves', () => {
    assert.equal(uri('/'), '/index.html');
    assert.equal(uri('/callback'), '/index.html');
    assert.equal(uri('/audit/events'), '/index.html');
    assert.equal(uri('/config.json'), '/config.json');
    assert.equal(uri('/assets/app-1A2B3C.js'), '/assets/app-1A2B3C.js');
    assert.equal(uri('/favicon.svg'), '/favicon.svg');
  });

  test('the template carries exactly this code, on the cloudfront-js-2.0 runtime', () => {
    const p = propsOf(logicalId(stack.consoleHosting.spaFallback));
    assert.equal(p['FunctionCode'], SPA_FALLBACK_CODE);
    assert.equal((p['FunctionConfig'] as { Runtime: string }).Runtime, 'cloudfront-js-2.0');
  });
});

describe('security headers', () => {
  const csp = String(
    resolve(headersPolicy.SecurityHeadersConfig['ContentSecurityPolicy']!['ContentSecurityPolicy']),
  );

  test('HSTS for two years with subdomains, frames denied, nosniff, no referrer, each overriding the origin', () => {
    const s = headersPolicy.SecurityHeadersConfig;
    assert.ok((s['StrictTransportSecurity']!['AccessControlMaxAgeSec'] as number) >= 365 * 86400);
    assert.equal(s['StrictTransportSecurity']!['IncludeSubdomains'], true);
    assert.equal(s['FrameOptions']!['FrameOption'], 'DENY');
    assert.deepEqual(s['ContentTypeOptions'], { Override: true });
    assert.equal(s['ReferrerPolicy']!['ReferrerPolicy'], 'no-referrer');
    for (const h of Object.values(s)) assert.equal(h['Override'], true);
  });

  test("the CSP allows scripts and styles from the console only, connections to itself (the API), the issuer, Cognito's token endpoint and the upload bucket, and no framing", () => {
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], ["'self'"]);
    assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
    const pool = resolve(ref(logicalId(stack.identity.userPool!)));
    assert.deepEqual(directives['connect-src'], [
      "'self'",
      'https://cognito-idp.eu-central-1.amazonaws.com',
      'https://ruling-intake-dev-123456789012.auth.eu-central-1.amazoncognito.com',
      'https://ruling-intake-extracts-dev-123456789012-eu-central-1.s3.eu-central-1.amazonaws.com',
    ]);
    assert.ok(resolve({ 'Fn::GetAtt': [logicalId(stack.identity.userPool!), 'ProviderURL'] }).endsWith(pool));
    assert.ok(!csp.includes('*'), 'no wildcard source');
  });

  test('are the headers the local console server sends (infra/local/console.ts), HSTS aside', async () => {
    const sent: Record<string, string> = {};
    const handler = consoleHandler({
      dir: '/nonexistent',
      config: {
        issuer: 'https://issuer.example',
        clientId: 'c',
        apiUrl: '',
        scope: 'openid',
        environment: 'test',
      },
      connectSrc: [],
    });
    const res = {
      req: { method: 'GET' },
      writeHead: (_status: number, headers: Record<string, string>) => Object.assign(sent, headers),
      end: () => undefined,
    };
    await handler(
      { url: '/config.json', method: 'GET' } as IncomingMessage,
      res as unknown as ServerResponse,
    );
    const s = headersPolicy.SecurityHeadersConfig;
    const cloudFront: Record<string, string> = {
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': String(s['ReferrerPolicy']!['ReferrerPolicy']),
      'X-Frame-Options': String(s['FrameOptions']!['FrameOption']),
      ...Object.fromEntries(headersPolicy.CustomHeadersConfig.Items.map((h) => [h.Header, h.Value])),
    };
    for (const [header, value] of Object.entries(cloudFront)) assert.equal(sent[header], value, header);
    assert.deepEqual(Object.keys(CONSOLE_CUSTOM_HEADERS).sort(), [
      'Cross-Origin-Opener-Policy',
      'Permissions-Policy',
    ]);
    // The same directives, given the same origins.
    const origins = csp
      .split('; ')
      .find((d) => d.startsWith('connect-src'))!
      .split(' ')
      .slice(2);
    assert.equal(csp, consoleCsp(origins));
    assert.equal(sent['Content-Security-Policy'], consoleCsp(['https://issuer.example']));
  });
});

describe('console files and config.json', () => {
  const deployments = ofType('Custom::CDKBucketDeployment').map(([id, r]) => ({ id, p: r.Properties }));
  const shell = deployments.find((d) => d.p['Prune'] === true)!;
  const assets = deployments.find((d) => d.p['Prune'] === false);

  test('config.json names the issuer, the console client, the same-origin API and the scopes', () => {
    const c = stack.consoleDeployment.config;
    assert.deepEqual(
      {
        ...c,
        issuer: resolve(stack.stateful.resolve(c.issuer)),
        clientId: resolve(stack.stateful.resolve(c.clientId)),
      },
      {
        issuer: resolve({ 'Fn::GetAtt': [logicalId(stack.identity.userPool!), 'ProviderURL'] }),
        clientId: resolve(ref(logicalId(stack.identity.consoleClient!))),
        apiUrl: '',
        scope: 'openid email profile',
        environment: 'dev',
      },
    );
    const markers = JSON.stringify(shell.p['SourceMarkers']);
    assert.ok(
      markers.includes(
        JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.identity.userPool!), 'ProviderURL'] }),
      ),
    );
    assert.ok(markers.includes(JSON.stringify(ref(logicalId(stack.identity.consoleClient!)))));
  });

  test('go to the console bucket: hashed assets immutable and never pruned, then the rest no-cache, pruned, and CloudFront invalidated', () => {
    assert.equal(stack.consoleDeployment.built, true);
    assert.ok(assets);
    assert.deepEqual(assets.p['Include'], ['assets/*']);
    assert.deepEqual(assets.p['Exclude'], ['*']);
    assert.deepEqual(assets.p['SystemMetadata'], { 'cache-control': IMMUTABLE });
    assert.deepEqual(shell.p['Exclude'], ['assets/*']);
    assert.deepEqual(shell.p['SystemMetadata'], { 'cache-control': REVALIDATE });
    assert.deepEqual(shell.p['DistributionId'], ref(distributionId));
    assert.deepEqual(shell.p['DistributionPaths'], ['/*']);
    for (const d of [assets, shell]) assert.ok(contains(d.p['DestinationBucketName'], ref(bucketId)));
    assert.ok((resources[shell.id] as Resource).DependsOn?.some((x) => x.startsWith(assets.id.slice(0, 20))));
  });

  const empty = mkdtemp(join(tmpdir(), 'ruling-intake-no-console-'));
  after(async () => rm(await empty, { recursive: true, force: true }));

  test('without a built console the synth succeeds, warns, and deploys a placeholder page with config.json', async () => {
    const other = synthesize('dev', {}, { consoleDistDir: await empty });
    assert.equal(other.stack.consoleDeployment.built, false);
    assert.equal(other.stack.consoleDeployment.assets, undefined);
    const warnings = other.stack.consoleDeployment.node.metadata.filter((m) => m.type === 'aws:cdk:warning');
    assert.ok(
      warnings.some((w) => String(w.data).includes('npm run build:web')),
      JSON.stringify(warnings),
    );
    const v = view(other.template);
    const deployed = v.ofType('Custom::CDKBucketDeployment');
    assert.equal(deployed.length, 1);
    assert.equal((deployed[0]![1].Properties['SourceObjectKeys'] as unknown[]).length, 2);
  });
});

describe('the console URL elsewhere', () => {
  test('Cognito calls back on the route the web console completes its sign-in on (web/src/auth.ts CALLBACK_PATH)', () => {
    const auth = readFileSync(join(PROJECT_ROOT, 'web/src/auth.ts'), 'utf8');
    assert.match(auth, new RegExp(`CALLBACK_PATH = '${CONSOLE_CALLBACK_PATH}'`));
  });

  const cloudFront = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] };

  test('the extracts bucket accepts presigned POSTs (and nothing else) from the console origin only', () => {
    const cors = propsOf(logicalId(stack.storage.bucket))['CorsConfiguration'] as {
      CorsRules: Record<string, unknown>[];
    };
    assert.equal(cors.CorsRules.length, 1);
    assert.deepEqual(cors.CorsRules[0]!['AllowedMethods'], ['POST']);
    assert.deepEqual(cors.CorsRules[0]!['AllowedOrigins'], [cloudFront]);
  });

  test('the API needs no CORS for the console (same origin through CloudFront); other origins only from allowedOrigins', () => {
    assert.equal(propsOf(logicalId(stack.apiEndpoint.httpApi))['CorsConfiguration'], undefined);
  });

  test('the console and API URLs are outputs of the stateful stack', () => {
    const outputs = view(template).json.Outputs;
    assert.deepEqual(outputs['ConsoleUrl']!.Value, {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']],
    });
    assert.ok(contains(outputs['ApiUrl']!.Value, ref(logicalId(stack.apiEndpoint.httpApi))));
    assert.ok(arnOf(distributionId));
  });
});
