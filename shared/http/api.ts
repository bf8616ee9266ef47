/**
 * The HTTP adapter shared by the API functions: API Gateway HTTP API (payload v2) events in,
 * JSON (or CSV) out. It matches the route from `shared/config/routes.ts`, verifies the bearer
 * token and the role again (defence in depth behind the gateway's JWT authorizer), calls the
 * route's use case and maps errors to one JSON shape: `{ code, message: { nl, en } }`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import type { Principal } from '../domain/principal.js';
import { AuthError, AuthUnavailableError, type TokenVerifier } from '../auth/verify.js';
import { matchRoute, type ApiFunction, type RouteDef, type RoutesOf } from '../config/routes.js';
import type { Message } from '../domain/types.js';
import { logger } from '../observability/index.js';
import type { AuditLog } from '../ports/index.js';
import {
  AuditUnavailableError,
  NOT_FOUND,
  RequestRefusedError,
  type RefusalKind,
} from '../use-cases/errors.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messages: Message,
  ) {
    super(`${code}: ${messages.en}`);
    this.name = 'ApiError';
  }
}

export interface ApiRequest {
  readonly route: RouteDef;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly principal: Principal;
  readonly requestId: string;
  readonly now: Date;
}

export interface ApiResponse {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

export type RouteImpl = (req: ApiRequest) => Promise<ApiResponse>;

export interface ApiHandlerDeps<F extends ApiFunction = ApiFunction> {
  readonly verifier: () => Promise<TokenVerifier>;
  readonly audit: () => Promise<AuditLog>;
  /** One implementation per route of the function, keyed by route id: a typo or a gap does not compile. */
  readonly routes: Record<RoutesOf<F>, RouteImpl>;
}

/** A route that answers JSON with one status code. */
export const respond =
  (status: number, body: (r: ApiRequest) => unknown): RouteImpl =>
  async (r) => ({ status, json: await body(r) });

/** What the use cases take about the caller: who, which request, when. */
export const callerOf = (r: ApiRequest) => ({ p: r.principal, requestId: r.requestId, now: r.now });

const json = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

export const errorBody = (code: string, messages: Message) => ({ code, message: messages });

/** The HTTP status of each kind of refusal a use case gives. */
const REFUSAL_STATUS: Record<RefusalKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'unsupported-media-type': 415,
};

/** The body of a CSV upload; another media type is a 415. */
export function csvBody(r: ApiRequest): string {
  const type = r.headers['content-type'] ?? '';
  if (!type.startsWith('text/csv') && !type.startsWith('text/plain')) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', {
      nl: 'Stuur het bestand als text/csv.',
      en: 'Send the file as text/csv.',
    });
  }
  return r.body ?? '';
}

/** Parses a JSON request body with a zod schema; a bad body is a 400 naming the problem. */
export function parseJsonBody<T>(req: ApiRequest, schema: { parse(v: unknown): T }): T {
  let value: unknown;
  try {
    value = req.body ? JSON.parse(req.body) : {};
  } catch {
    throw new ApiError(400, 'INVALID_REQUEST', {
      nl: 'De body is geen geldige JSON.',
      en: 'The body is not valid JSON.',
    });
  }
  return schema.parse(value);
}

/**
 * Builds the Lambda handler of one API function. Requests for routes of other functions get
 * `404`, as API Gateway would never send them here.
 */
export function createApiHandler<F extends ApiFunction>(fn: F, deps: ApiHandlerDeps<F>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method.toUpperCase();
    const requestId = event.requestContext.requestId;
    const match = matchRoute(method, event.rawPath);
    if (!match || match.route.fn !== fn) return json(404, errorBody('NOT_FOUND', NOT_FOUND));
    const { route, params } = match;
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']),
    );
    const body = event.body
      ? event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body
      : undefined;
    let principal: Principal | undefined;
    try {
      if (route.roles.length > 0) {
        principal = await (await deps.verifier()).verify(headers.authorization);
        if (!(route.roles as readonly string[]).includes(principal.role)) {
          throw new AuthError('FORBIDDEN', 'role not allowed for this route');
        }
      }
      const impl = (deps.routes as Partial<Record<string, RouteImpl>>)[route.id];
      if (!impl) return json(404, errorBody('NOT_FOUND', NOT_FOUND));
      const res = await impl({
        route,
        params,
        query: Object.fromEntries(
          Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v ?? '']),
        ),
        headers,
        body,
        principal: principal ?? { sub: 'anonymous', role: 'clerk' },
        requestId,
        now: new Date(),
      });
      if (res.text !== undefined) {
        return {
          statusCode: res.status,
          headers: {
            'content-type': res.contentType ?? 'text/plain; charset=utf-8',
            'cache-control': 'no-store',
            ...res.headers,
          },
          body: res.text,
        };
      }
      return json(res.status, res.json, res.headers);
    } catch (error) {
      return mapError(error, { route, principal, requestId, deps });
    }
  };
}

async function mapError(
  error: unknown,
  ctx: {
    route: RouteDef;
    principal: Principal | undefined;
    requestId: string;
    deps: Pick<ApiHandlerDeps, 'audit'>;
  },
): Promise<APIGatewayProxyStructuredResultV2> {
  if (error instanceof AuthError) {
    // Every denied attempt is audited (best effort: the caller gets no data either way).
    await auditDenied(ctx, error.code).catch(() => undefined);
    return error.code === 'FORBIDDEN'
      ? json(
          403,
          errorBody(
            'FORBIDDEN',
            error.publicMessage ?? {
              nl: 'U hebt geen toegang tot deze functie.',
              en: 'You may not use this function.',
            },
          ),
        )
      : json(
          401,
          errorBody(
            'UNAUTHENTICATED',
            error.publicMessage ?? {
              nl: 'Meld u aan: een geldig toegangstoken ontbreekt.',
              en: 'Log in: a valid access token is missing.',
            },
          ),
          {
            'www-authenticate': 'Bearer',
          },
        );
  }
  if (error instanceof AuthUnavailableError) {
    // The issuer's keys cannot be fetched: nobody is let in, and the caller may retry.
    return json(
      503,
      errorBody('AUTH_UNAVAILABLE', {
        nl: 'De aanmelddienst is niet bereikbaar. Probeer later opnieuw.',
        en: 'The identity provider cannot be reached. Try again later.',
      }),
      { 'retry-after': '30' },
    );
  }
  if (error instanceof ApiError) return json(error.status, errorBody(error.code, error.messages));
  if (error instanceof RequestRefusedError)
    return json(REFUSAL_STATUS[error.kind], errorBody(error.code, error.messages));
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const where = issue?.path.join('.') || 'body';
    return json(
      400,
      errorBody('INVALID_REQUEST', {
        nl: `Ongeldige aanvraag: ${where} — ${issue?.message ?? 'ongeldig'}.`,
        en: `Invalid request: ${where} — ${issue?.message ?? 'invalid'}.`,
      }),
    );
  }
  if (error instanceof AuditUnavailableError) {
    logger.error('audit trail unavailable: request refused', {
      route: ctx.route.id,
      requestId: ctx.requestId,
      error: (error.cause as Error)?.name,
    });
    return json(
      503,
      errorBody('AUDIT_UNAVAILABLE', {
        nl: 'De raadpleging kan nu niet gelogd worden; daarom worden geen gegevens gegeven. Probeer later opnieuw.',
        en: 'The access cannot be logged right now, so no data is returned. Try again later.',
      }),
      { 'retry-after': '30' },
    );
  }
  logger.error('request failed', {
    route: ctx.route.id,
    requestId: ctx.requestId,
    error: (error as Error)?.name,
  });
  return json(
    500,
    errorBody('INTERNAL', {
      nl: 'Er ging iets mis. Probeer later opnieuw.',
      en: 'Something went wrong. Try again later.',
    }),
  );
}

async function auditDenied(
  ctx: {
    route: RouteDef;
    principal: Principal | undefined;
    requestId: string;
    deps: Pick<ApiHandlerDeps, 'audit'>;
  },
  code: string,
): Promise<void> {
  const audit = await ctx.deps.audit();
  await audit.append({
    id: `${ctx.requestId}:denied`,
    at: new Date().toISOString(),
    actor: ctx.principal
      ? {
          id: ctx.principal.sub,
          role: ctx.principal.role,
          ...(ctx.principal.institution ? { institution: ctx.principal.institution } : {}),
        }
      : { id: 'unauthenticated', role: 'service' },
    action: `api.${ctx.route.id}`,
    purpose: 'access-control',
    outcome: `DENIED:${code}`,
    requestId: ctx.requestId,
  });
}
