/**
 * The local stack's HTTP front door, standing in for API Gateway: `/v1/*` requests become
 * API Gateway HTTP API (payload v2) events for the same function handlers that run on Lambda;
 * `/local-idp/*` is the local OpenID issuer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { matchRoute, type ApiFunction } from '../../shared/config/routes.js';
import { LIMITS } from '../../shared/config/resources.js';

export type ApiLambda = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalHttpOptions {
  readonly host?: string;
  readonly port?: number;
  readonly functions: Record<ApiFunction, ApiLambda>;
  /** Other handlers tried first (the local idp); resolve true when they answered. */
  readonly extra?: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[];
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Builds the API Gateway v2 event for a request, as API Gateway would. */
export function toEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 {
  const method = (req.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] ? `${query[k]},${v}` : v;
  const text = /^(text\/|application\/json)/.test(headers['content-type'] ?? 'application/json');
  return {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

export async function startLocalHttp(
  options: LocalHttpOptions,
): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        for (const handle of options.extra ?? []) if (await handle(req, res)) return;
        const url = new URL(req.url ?? '/', 'http://localhost');
        const match = matchRoute((req.method ?? 'GET').toUpperCase(), url.pathname);
        if (!match) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ code: 'NOT_FOUND', message: { nl: 'Niet gevonden.', en: 'Not found.' } }));
          return;
        }
        // API Gateway's payload limit is 10 MB; imports are CSV text well under that.
        const body = await readBody(req, LIMITS.maxExtractBytes);
        const result = await options.functions[match.route.fn](toEvent(req, url, body));
        const payload = result.isBase64Encoded
          ? Buffer.from(result.body ?? '', 'base64')
          : Buffer.from(result.body ?? '', 'utf8');
        res
          .writeHead(result.statusCode ?? 200, {
            ...(result.headers as Record<string, string>),
            'content-length': String(payload.length),
          })
          .end(payload);
      } catch (e) {
        if (!res.headersSent) {
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ code: 'INTERNAL', message: { nl: 'Interne fout.', en: 'Internal error.' } }),
            );
        }
        process.stderr.write(`[local http] ${(e as Error).name}: ${(e as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
