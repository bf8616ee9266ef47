/**
 * Runtime configuration and sign-in: OpenID Connect authorization code flow with PKCE (S256) for a
 * public client, against whatever issuer `/config.json` names (the local issuer, Cognito's hosted
 * UI, ACM/IDM). The access token lives in sessionStorage: gone when the tab closes, never in a
 * cookie, never in localStorage. The role shown is read from the token only to decide what to show;
 * the API checks the token and the role on every call.
 */
import type { ConsoleConfig } from '../../shared/contract/console-config.js';

export type { ConsoleConfig };

export type Role = 'clerk' | 'institution' | 'auditor' | 'operator' | 'student';

export interface Session {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly sub: string;
  readonly role: Role | undefined;
  readonly institution?: string;
  readonly name?: string;
}

interface Discovery {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly end_session_endpoint?: string;
  readonly issuer: string;
}

interface PendingLogin {
  readonly state: string;
  readonly verifier: string;
  readonly nonce: string;
  readonly returnTo: string;
}

const SESSION_KEY = 'ruling-intake.session';
const PENDING_KEY = 'ruling-intake.login';
export const CALLBACK_PATH = '/callback';

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const c = (await res.json()) as Partial<ConsoleConfig>;
  if (typeof c.issuer !== 'string' || !c.issuer || typeof c.clientId !== 'string' || !c.clientId) {
    throw new Error('config.json: issuer and clientId are required');
  }
  return {
    issuer: c.issuer.replace(/\/+$/, ''),
    clientId: c.clientId,
    apiUrl: (c.apiUrl ?? '').replace(/\/+$/, ''),
    scope: c.scope || 'openid',
    ...(c.environment ? { environment: c.environment } : {}),
    ...(c.authorizationEndpoint && c.tokenEndpoint
      ? { authorizationEndpoint: c.authorizationEndpoint, tokenEndpoint: c.tokenEndpoint }
      : {}),
  };
}

let discovered: Promise<Discovery> | undefined;
function discovery(config: ConsoleConfig): Promise<Discovery> {
  if (config.authorizationEndpoint && config.tokenEndpoint) {
    return Promise.resolve({
      issuer: config.issuer,
      authorization_endpoint: config.authorizationEndpoint,
      token_endpoint: config.tokenEndpoint,
    });
  }
  discovered ??= fetch(`${config.issuer}/.well-known/openid-configuration`).then(async (res) => {
    if (!res.ok) throw new Error(`openid-configuration: HTTP ${res.status}`);
    const d = (await res.json()) as Discovery;
    if (d.issuer !== config.issuer) throw new Error('openid-configuration: issuer mismatch');
    return d;
  });
  return discovered;
}

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const random = (n = 32): string => b64url(crypto.getRandomValues(new Uint8Array(n)));

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

const redirectUri = (): string => `${location.origin}${CALLBACK_PATH}`;

/** Leaves for the issuer's sign-in page. */
export async function signIn(config: ConsoleConfig, returnTo = '/'): Promise<void> {
  const d = await discovery(config);
  const pending: PendingLogin = { state: random(), verifier: random(48), nonce: random(), returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(d.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('scope', config.scope);
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await challengeOf(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  location.assign(url.href);
}

function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  return JSON.parse(json) as Record<string, unknown>;
}

const GROUP_PRECEDENCE: readonly Role[] = ['clerk', 'auditor', 'operator', 'institution', 'student'];

/** The same rule as the API's (shared/auth/verify.ts): `role`, else the first Cognito group. */
export function roleOf(claims: Record<string, unknown>): Role | undefined {
  const role = claims['role'];
  if (typeof role === 'string')
    return (GROUP_PRECEDENCE as readonly string[]).includes(role) ? (role as Role) : undefined;
  const groups = claims['cognito:groups'];
  if (groups !== undefined) {
    const list = Array.isArray(groups) ? groups : [groups];
    return GROUP_PRECEDENCE.find((r) => list.includes(r));
  }
  return undefined;
}

/** Finishes a sign-in on the callback URL; returns where to go next. Throws with the issuer's error. */
export async function completeSignIn(config: ConsoleConfig): Promise<string> {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as PendingLogin | null;
  sessionStorage.removeItem(PENDING_KEY);
  const error = params.get('error');
  if (error) throw new Error(params.get('error_description') ?? error);
  const code = params.get('code');
  if (!pending || !code || params.get('state') !== pending.state) {
    throw new Error('unexpected sign-in response (state)');
  }
  // RFC 9207: when the issuer says who it is, it must be the configured one.
  const iss = params.get('iss');
  if (iss !== null && iss !== config.issuer) throw new Error('unexpected sign-in response (issuer)');
  const d = await discovery(config);
  const res = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: config.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    id_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token) {
    throw new Error(body.error_description ?? body.error ?? `token endpoint: HTTP ${res.status}`);
  }
  const access = decodeJwt(body.access_token);
  const id = body.id_token ? decodeJwt(body.id_token) : {};
  if (body.id_token && id['nonce'] !== pending.nonce) throw new Error('unexpected sign-in response (nonce)');
  const claims = { ...id, ...access };
  const institution = typeof claims['institution'] === 'string' ? claims['institution'] : undefined;
  const name = typeof id['name'] === 'string' ? id['name'] : undefined;
  const session: Session = {
    accessToken: body.access_token,
    expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000,
    sub: String(claims['sub'] ?? ''),
    role: roleOf(claims),
    ...(institution ? { institution } : {}),
    ...(name ? { name } : {}),
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return pending.returnTo.startsWith('/') && !pending.returnTo.startsWith('//') ? pending.returnTo : '/';
}

export function currentSession(): Session | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    if (!s || s.expiresAt <= Date.now() + 10_000) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(PENDING_KEY);
}
