/**
 * Serves the built web console (`web/dist`, made by `npm run build:web`) at the local stack's root
 * URL, as S3 + CloudFront do on AWS: static files with their content types, the same security
 * headers, `index.html` for every route of the single-page app, and `/config.json`, the runtime
 * configuration (issuer, client id, API base) that lets one build run against any deployment.
 *
 * Uploads go from the browser straight to the bucket (presigned POST), as on AWS; the bucket gets
 * a CORS rule for the console's origins (`allowConsoleUploads`), which s3rver honours like S3.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig, type Emulators } from './emulators.js';
import type { PUBLIC_CLIENTS } from './idp.js';
import type { ConsoleConfig } from '../../shared/contract/console-config.js';

/** The console's public client at the local issuer (authorization code + PKCE). */
export const CONSOLE_CLIENT_ID: (typeof PUBLIC_CLIENTS)[number] = 'ruling-intake-console';

export interface ConsoleOptions {
  /** The built console (default `web/dist` of this repository). */
  readonly dir?: string;
  readonly config: ConsoleConfig;
  /** Other origins the console talks to (the S3 endpoint for uploads), for `connect-src`. */
  readonly connectSrc: readonly string[];
}

export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The Content-Security-Policy of the console (CloudFront's response-headers policy sends the same). */
export function consoleCsp(connectSrc: readonly string[]): string {
  const origins = [...new Set(connectSrc.map((u) => new URL(u).origin))];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${origins.join(' ')}`.trim(),
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Paths the console never answers: the API and the local issuer. */
const NOT_MINE = /^\/(v1|local-idp)(\/|$)/;

export function consoleHandler(options: ConsoleOptions) {
  const dir = normalize(options.dir ?? DEFAULT_CONSOLE_DIR);
  const security = {
    'Content-Security-Policy': consoleCsp([
      options.config.issuer,
      ...(options.config.apiUrl ? [options.config.apiUrl] : []),
      ...options.connectSrc,
    ]),
    'X-Content-Type-Options': 'nosniff',
    // The authorization code arrives in the callback URL: never send it along as a referrer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  const configBody = `${JSON.stringify(options.config, null, 2)}\n`;

  function send(res: ServerResponse, status: number, type: string, body: Buffer | string, cache: string) {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, {
      ...security,
      'Content-Type': type,
      'Content-Length': String(payload.length),
      'Cache-Control': cache,
    });
    res.end(res.req.method === 'HEAD' ? undefined : payload);
  }

  async function file(path: string): Promise<Buffer | undefined> {
    const full = normalize(join(dir, path));
    if (full !== dir && !full.startsWith(dir + sep)) return undefined;
    try {
      if (!(await stat(full)).isFile()) return undefined;
      return await readFile(full);
    } catch {
      return undefined;
    }
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (NOT_MINE.test(url.pathname)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return false;
    }
    if (path === '/config.json') {
      send(res, 200, TYPES['.json']!, configBody, 'no-store');
      return true;
    }
    const ext = extname(path);
    if (ext) {
      const body = await file(path);
      if (!body) {
        send(res, 404, TYPES['.txt']!, 'Not found.\n', 'no-store');
        return true;
      }
      // Built assets carry a content hash in their name; everything else is revalidated.
      const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      send(res, 200, TYPES[ext] ?? 'application/octet-stream', body, cache);
      return true;
    }
    // A route of the single-page app (`/`, `/callback`, …): the shell.
    const index = await file('index.html');
    if (!index) {
      send(
        res,
        503,
        TYPES['.txt']!,
        'The web console is not built. Run `npm run build:web` (npm start does it for you).\n',
        'no-store',
      );
      return true;
    }
    send(res, 200, TYPES['.html']!, index, 'no-cache');
    return true;
  };
}

/**
 * Lets the console's origins POST uploads to the local bucket from the browser (CORS rule, as the
 * CDK stack sets on the extracts bucket for the CloudFront origin). Only POST: no reads, no deletes.
 */
export async function allowConsoleUploads(
  emulators: Pick<Emulators, 's3Endpoint' | 'region' | 'credentials' | 'bucket'>,
  consoleOrigins: readonly string[],
): Promise<void> {
  const s3 = new S3Client(localS3ClientConfig(emulators));
  try {
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: emulators.bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [...consoleOrigins],
              AllowedMethods: ['POST'],
              AllowedHeaders: ['*'],
              ExposeHeaders: ['ETag', 'Location'],
              MaxAgeSeconds: 600,
            },
          ],
        },
      }),
    );
  } finally {
    s3.destroy();
  }
}

/** The origins a person may open the console at: the server's address and its `localhost` twin. */
export function consoleOrigins(url: string): string[] {
  const u = new URL(url);
  const twins = [u.origin];
  if (u.hostname === '127.0.0.1') twins.push(`${u.protocol}//localhost:${u.port}`);
  if (u.hostname === 'localhost') twins.push(`${u.protocol}//127.0.0.1:${u.port}`);
  return twins;
}
