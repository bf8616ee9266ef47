/**
 * The HTTP API, in two parts:
 *
 * - `ApiEndpoint` (stateful): the API Gateway HTTP API resource itself — its id is the API's
 *   address, which institutions configure and the console distribution forwards `/v1/*` to, so it
 *   outlives a teardown of the stateless stack — with CORS for the origins of the context.
 * - `Api` (stateless): the `$default` stage, the JWT authorizer, and one route per distinct
 *   (method, gateway path) of `ROUTES` (shared/config/routes.ts, the single definition), each to
 *   the Lambda function of its `fn`. Routes with `roles: []` (the OpenAPI document) are public;
 *   every other route sits behind the JWT authorizer, and the function checks token and role again.
 *
 * The `$default` stage is throttled and writes access logs without personal data: request id,
 * caller IP, time, route key (the template, e.g. `GET /v1/students/{nationalNumber}/…` — never
 * the actual path, nor the query string, which may hold national numbers), status and latencies.
 * CORS only for the origins given in the context; none by default (the console calls the API
 * through its own CloudFront distribution, same origin, so it needs none).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LIMITS, SERVICE_NAME } from '../../shared/config/resources.js';
import {
  ROUTES,
  gatewayPath,
  type ApiFunction,
  type HttpMethod as RouteMethod,
  type RouteDef,
} from '../../shared/config/routes.js';
import { stackLogGroupName } from '../naming.js';
import type { AuthSettings } from './identity.js';

/** One API Gateway route: what `ROUTES` becomes once paths are reduced to what the gateway can match. */
export interface GatewayRoute {
  readonly method: RouteMethod;
  /** Gateway path (`{intakeId}:approve` → `{intakeId}`). */
  readonly path: string;
  /** `METHOD path`, as API Gateway names the route. */
  readonly routeKey: string;
  readonly fn: ApiFunction;
  /** False only for routes with `roles: []`. */
  readonly authorized: boolean;
  /** The `ROUTES` ids served by this gateway route. */
  readonly routeIds: readonly string[];
}

/**
 * Groups `ROUTES` by (method, gateway path). Routes that share a gateway route must share the
 * function and the need for a token; otherwise the API cannot be built and this throws.
 */
export function gatewayRoutes(routes: readonly RouteDef[] = ROUTES): GatewayRoute[] {
  const byKey = new Map<string, GatewayRoute>();
  for (const r of routes) {
    const path = gatewayPath(r.path);
    const routeKey = `${r.method} ${path}`;
    const authorized = r.roles.length > 0;
    const seen = byKey.get(routeKey);
    if (!seen) {
      byKey.set(routeKey, { method: r.method, path, routeKey, fn: r.fn, authorized, routeIds: [r.id] });
      continue;
    }
    if (seen.fn !== r.fn || seen.authorized !== authorized) {
      throw new Error(
        `routes ${seen.routeIds.join(', ')} and ${r.id} share the gateway route ${routeKey} but not the function or the authorizer`,
      );
    }
    byKey.set(routeKey, { ...seen, routeIds: [...seen.routeIds, r.id] });
  }
  return [...byKey.values()];
}

/** Access log fields: no path, no query string, no claims — only what identifies the request. */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  responseLength: '$context.responseLength',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
};

export interface ApiEndpointProps {
  readonly environment: string;
  readonly allowedOrigins: readonly string[];
}

/** The HTTP API resource (stateful): its id is the API's address. Stage and routes come with `Api`. */
export class ApiEndpoint extends Construct {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: ApiEndpointProps) {
    super(scope, id);
    const origins = [...props.allowedOrigins];
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${SERVICE_NAME}-${props.environment}`,
      description: `Court-ruling intake API (${props.environment})`,
      createDefaultStage: false,
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: origins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT],
              allowHeaders: ['authorization', 'content-type', 'accept'],
              exposeHeaders: ['content-disposition', 'retry-after', 'www-authenticate'],
              allowCredentials: false,
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
  }

  /** `<api id>.execute-api.<region>.<suffix>`: the host of the `$default` stage. */
  get domainName(): string {
    const stack = Stack.of(this);
    return `${this.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }
}

export interface ApiProps {
  readonly environment: string;
  /** The HTTP API resource of the stateful stack. */
  readonly httpApi: HttpApi;
  readonly functions: Readonly<Record<ApiFunction, lambda.IFunction>>;
  readonly auth: AuthSettings;
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** Encrypts the access log group (the data key). */
  readonly logKey: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
}

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly authorizer: HttpJwtAuthorizer;
  readonly routes: readonly GatewayRoute[];
  /** Gateway route key → its CDK route. */
  readonly httpRoutes: ReadonlyMap<string, HttpRoute>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = props.httpApi;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: stackLogGroupName(props.environment, 'api-access'),
      retention: props.logRetention ?? (LIMITS.logRetentionDays as number as logs.RetentionDays),
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.auth.issuer, {
      authorizerName: 'jwt',
      jwtAudience: [...props.auth.audiences],
      identitySource: ['$request.header.Authorization'],
    });
    const open = new HttpNoneAuthorizer();

    const integrations = new Map<ApiFunction, HttpLambdaIntegration>();
    const integration = (fn: ApiFunction) => {
      let i = integrations.get(fn);
      if (!i) {
        i = new HttpLambdaIntegration(`${pascal(fn)}Integration`, props.functions[fn]);
        integrations.set(fn, i);
      }
      return i;
    };

    this.routes = gatewayRoutes();
    const httpRoutes = new Map<string, HttpRoute>();
    for (const r of this.routes) {
      httpRoutes.set(
        r.routeKey,
        new HttpRoute(this, `${pascal(r.routeIds.join('-'))}Route`, {
          httpApi: this.httpApi,
          routeKey: HttpRouteKey.with(r.path, HttpMethod[r.method]),
          integration: integration(r.fn),
          authorizer: r.authorized ? this.authorizer : open,
        }),
      );
    }
    this.httpRoutes = httpRoutes;
  }

  /** The invoke URL of the `$default` stage. */
  get url(): string {
    return this.stage.url;
  }
}
