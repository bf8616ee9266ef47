/**
 * The CLI's HTTP client for `/v1`: the local stack by default, any deployment with `--endpoint`
 * and `--token`. Locally a token is fetched from the local OpenID issuer for `--as <who>`.
 */
import type { Message } from '../domain/types.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  endpoint?: string;
  token?: string;
  as?: string;
}

export interface ApiClient {
  readonly endpoint: string;
  readonly token: string;
  call(
    method: string,
    path: string,
    init?: { json?: unknown; text?: string; contentType?: string; accept?: string },
  ): Promise<{ status: number; body: unknown; text: string }>;
}

/** The local stack's state (endpoint, issuer), when one is running. */
export async function localState() {
  const { defaultDataDir, readState } = await import('../adapters/local/stack-state.js');
  return readState(defaultDataDir());
}

/** Gets a token from the local issuer for a demo user: `clerk`, `auditor`, `operator`, `institution:UGENT`. */
export async function localToken(issuer: string, who: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: who,
      password: 'local-demo-password',
      client_id: 'ruling-intake-cli',
    }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new CliError(
      `The local issuer refused "${who}": ${body.error_description ?? res.status} (demo users: clerk, auditor, operator, institution:<CODE>)`,
    );
  return body.access_token;
}

export async function apiClient(opts: ApiOptions, defaultAs: string): Promise<ApiClient> {
  let endpoint = opts.endpoint ?? process.env.RULING_INTAKE_ENDPOINT;
  let token = opts.token ?? process.env.RULING_INTAKE_TOKEN;
  if (!endpoint || !token) {
    const state = await localState();
    if (!state)
      throw new CliError(
        'The local stack is not running. Start it in another terminal with: npm start (or pass --endpoint and --token).',
      );
    endpoint ??= state.apiUrl;
    token ??= await localToken(state.issuer, opts.as ?? defaultAs);
  }
  const base = endpoint.replace(/\/$/, '');
  const bearer = token;
  return {
    endpoint: base,
    token: bearer,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${bearer}`,
        accept: init.accept ?? 'application/json',
      };
      let body: string | undefined;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.text !== undefined) {
        headers['content-type'] = init.contentType ?? 'text/plain';
        body = init.text;
      }
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json'))
        parsed = text ? JSON.parse(text) : undefined;
      return { status: res.status, body: parsed, text };
    },
  };
}

/** Throws a CliError with the API's bilingual message for an error response. */
export function ensureOk(r: { status: number; body: unknown }, lang: 'nl' | 'en' = 'en'): void {
  if (r.status < 400) return;
  const e = r.body as { code?: string; message?: Message } | undefined;
  throw new CliError(
    `${r.status} ${e?.code ?? 'ERROR'}: ${e?.message?.[lang] ?? JSON.stringify(r.body)}`,
    r.status < 500 ? 2 : 1,
  );
}
