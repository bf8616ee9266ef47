/**
 * The HTTP API as synthesized: every route of shared/config/routes.ts reaches the function of its
 * `fn`, behind the JWT authorizer unless it needs no token; throttling, access logs without
 * personal data, CORS only for configured origins.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACCESS_LOG_FIELDS, gatewayRoutes } from '../../infra/constructs/api.js';
import { LIMITS } from '../../shared/config/resources.js';
import { API_FUNCTIONS, ROUTES, gatewayPath, type RouteDef } from '../../shared/config/routes.js';
import { arnOf, contains, ref, synthesize, view } from './stack-fixture.js';

const { stack, template } = synthesize();
const { resources, id, propsOf } = view(template);

const apiId = id(stack.api.httpApi);
const authorizerId = Object.entries(resources).find(
  ([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer',
)![0];
const routesOf = (res: typeof resources) =>
  Object.values(res)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map(
      (r) =>
        r.Properties as {
          RouteKey: string;
          AuthorizationType: string;
          AuthorizerId?: unknown;
          Target: unknown;
        },
    );
const routes = routesOf(resources);

/** The Lambda function an integration (by its logical id in a route target) invokes. */
function functionBehind(target: unknown): string {
  const integration = Object.keys(resources).find((k) => contains(target, ref(k)))!;
  const uri = propsOf(integration)['IntegrationUri'];
  return Object.keys(resources).find(
    (k) => resources[k]!.Type === 'AWS::Lambda::Function' && contains(uri, arnOf(k)),
  )!;
}

describe('API routes', () => {
  for (const route of ROUTES as readonly RouteDef[]) {
    const key = `${route.method} ${gatewayPath(route.path)}`;
    test(`${route.id}: ${key} reaches the ${route.fn} function${route.roles.length ? ' behind the JWT authorizer' : ' without a token'}`, () => {
      const deployed = routes.filter((r) => r.RouteKey === key);
      assert.equal(deployed.length, 1, `${key} is not deployed exactly once`);
      const r = deployed[0]!;
      assert.equal(functionBehind(r.Target), id(stack.apiFunctions.byRouteFunction[route.fn].function));
      if (route.roles.length > 0) {
        assert.equal(r.AuthorizationType, 'JWT');
        assert.deepEqual(r.AuthorizerId, ref(authorizerId));
      } else {
        assert.equal(r.AuthorizationType, 'NONE');
        assert.equal(r.AuthorizerId, undefined);
      }
    });
  }

  test('only the OpenAPI document is served without a token', () => {
    const open = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey);
    assert.deepEqual(open, ['GET /v1/openapi.json']);
  });

  test('the gateway has no route that ROUTES does not define, and no default route', () => {
    const expected = new Set(
      (ROUTES as readonly RouteDef[]).map((r) => `${r.method} ${gatewayPath(r.path)}`),
    );
    assert.deepEqual(new Set(routes.map((r) => r.RouteKey)), expected);
    assert.ok(!routes.some((r) => r.RouteKey === '$default'));
  });

  test('custom methods that share a gateway route share its function and authorizer; a conflict is refused', () => {
    const held = gatewayRoutes().find((r) => r.routeKey === 'POST /v1/admin/held/{intakeId}')!;
    assert.deepEqual(held.routeIds, ['approveHeld', 'rejectHeld']);
    const conflicting: RouteDef[] = [
      { id: 'a', method: 'POST', path: '/v1/x/{id}:one', fn: 'admin', roles: ['operator'], summary: '' },
      { id: 'b', method: 'POST', path: '/v1/x/{id}:two', fn: 'audit', roles: ['auditor'], summary: '' },
    ];
    assert.throws(() => gatewayRoutes(conflicting), /share the gateway route POST \/v1\/x\/\{id\}/);
  });

  test('each API function may be invoked by API Gateway only through its own routes', () => {
    for (const fn of API_FUNCTIONS) {
      const fnId = id(stack.apiFunctions.byRouteFunction[fn].function);
      const permissions = Object.values(resources).filter(
        (r) => r.Type === 'AWS::Lambda::Permission' && contains(r.Properties['FunctionName'], arnOf(fnId)),
      );
      const paths = permissions.map((p) => JSON.stringify(p.Properties['SourceArn']));
      const own = gatewayRoutes().filter((r) => r.fn === fn);
      assert.equal(permissions.length, own.length, fn);
      for (const p of permissions) assert.equal(p.Properties['Principal'], 'apigateway.amazonaws.com');
      for (const r of own)
        assert.ok(
          paths.some((p) => p.includes(`/*/*${r.path}"`)),
          `${fn}: ${r.routeKey}`,
        );
      assert.ok(!paths.some((p) => p.includes('/*/*/*"')), `${fn}: an API-wide invoke permission`);
    }
  });
});

describe('JWT authorizer', () => {
  test('the authorizer trusts the user pool as issuer and every app client as audience, reading the Authorization header', () => {
    const p = propsOf(authorizerId) as {
      AuthorizerType: string;
      IdentitySource: string[];
      JwtConfiguration: { Issuer: unknown; Audience: unknown[] };
    };
    assert.equal(p.AuthorizerType, 'JWT');
    assert.deepEqual(p.IdentitySource, ['$request.header.Authorization']);
    const pool = id(stack.identity.userPool!);
    assert.deepEqual(p.JwtConfiguration.Issuer, { 'Fn::GetAtt': [pool, 'ProviderURL'] });
    const clients = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Cognito::UserPoolClient')
      .map(([k]) => ref(k));
    assert.deepEqual(
      new Set(p.JwtConfiguration.Audience.map((a) => JSON.stringify(a))),
      new Set(clients.map((c) => JSON.stringify(c))),
    );
  });
});

describe('default stage', () => {
  const stageId = id(stack.api.stage);
  const stage = propsOf(stageId) as {
    StageName: string;
    AutoDeploy: boolean;
    DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
    AccessLogSettings: { DestinationArn: unknown; Format: string };
  };

  test('the $default stage deploys automatically and is throttled', () => {
    assert.equal(stage.StageName, '$default');
    assert.equal(stage.AutoDeploy, true);
    assert.equal(stage.DefaultRouteSettings.ThrottlingRateLimit, stack.config.apiRateLimit);
    assert.equal(stage.DefaultRouteSettings.ThrottlingBurstLimit, stack.config.apiBurstLimit);
    assert.ok(stack.config.apiRateLimit > 0 && stack.config.apiBurstLimit >= stack.config.apiRateLimit);
  });

  test('access logs go to their own encrypted log group with the request id, caller, route key, status and latency', () => {
    const logGroup = id(stack.api.accessLogs);
    assert.deepEqual(stage.AccessLogSettings.DestinationArn, arnOf(logGroup));
    assert.deepEqual(propsOf(logGroup)['KmsKeyId'], arnOf(id(stack.keys.data)));
    assert.equal(propsOf(logGroup)['RetentionInDays'], LIMITS.logRetentionDays);
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
    assert.deepEqual(format, ACCESS_LOG_FIELDS);
    for (const v of [
      '$context.requestId',
      '$context.identity.sourceIp',
      '$context.routeKey',
      '$context.status',
      '$context.responseLatency',
    ]) {
      assert.ok(Object.values(format).includes(v), `${v} missing`);
    }
  });

  test('the access log holds no path, query string, path parameter or token claim (they can hold national numbers)', () => {
    const values = Object.values(JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>);
    for (const v of values) {
      assert.doesNotMatch(
        v,
        /\$context\.(path|resourcePath)\b|\$request\.|querystring|\$context\.authorizer\.claims|\$input\./i,
        v,
      );
    }
    assert.ok(stage.AccessLogSettings.Format.length < 3 * 1024, 'API Gateway limits the format to 3 KB');
  });
});

describe('CORS', () => {
  test('without allowedOrigins the API answers no CORS preflight', () => {
    assert.equal(propsOf(apiId)['CorsConfiguration'], undefined);
  });

  test('with allowedOrigins only those origins, methods and headers are allowed, without credentials', () => {
    const other = synthesize('dev', {
      allowedOrigins: 'https://console.example.be,http://localhost:4580',
    });
    const cors = view(other.template).propsOf(view(other.template).id(other.stack.api.httpApi))[
      'CorsConfiguration'
    ] as Record<string, unknown>;
    assert.deepEqual(cors['AllowOrigins'], ['https://console.example.be', 'http://localhost:4580']);
    assert.deepEqual(cors['AllowMethods'], ['GET', 'POST', 'PUT']);
    assert.deepEqual(cors['AllowHeaders'], ['authorization', 'content-type', 'accept']);
    assert.equal(cors['AllowCredentials'], false);
  });

  test('a wildcard, a path or plain http to another host is refused as an origin', () => {
    assert.throws(() => synthesize('dev', { allowedOrigins: '*' }), /allowedOrigins/);
    assert.throws(() => synthesize('dev', { allowedOrigins: 'https://a.example/console' }), /not an origin/);
    assert.throws(() => synthesize('dev', { allowedOrigins: 'http://a.example' }), /https/);
  });
});
