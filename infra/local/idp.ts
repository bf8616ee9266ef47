/**
 * The local stack's OpenID Connect issuer (stands in for Cognito / ACM/IDM on a laptop).
 *
 * - One EC P-256 signing key (ES256), generated on first start and kept in
 *   `<dataDir>/keys/idp-signing.jwk.json` (mode 0600), so tokens and cached JWKS survive restarts.
 * - Endpoints under the issuer's path (`/local-idp`): discovery, JWKS, token (client credentials,
 *   password, authorization code with PKCE S256) and a tiny sign-in page for people.
 * - Demo users for every role and every institution of the register, one machine client per
 *   institution. Their password and secret are public: this issuer is for a laptop only.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';
import type { Role } from '../../shared/domain/principal.js';
import { INSTITUTION_SCOPE } from '../../shared/auth/verify.js';
import { defaultRegister } from '../../shared/domain/institutions.js';
import type { InstitutionRegister } from '../../shared/domain/institutions.js';

/** Password of every demo user (password grant). Public on purpose: local stack only. */
export const DEMO_PASSWORD = 'local-demo-password';
/** Secret of every demo machine client (client credentials grant). Public on purpose: local stack only. */
export const DEMO_CLIENT_SECRET = 'local-demo-secret';
/** Public clients (no secret, PKCE required) allowed at the authorization endpoint. */
export const PUBLIC_CLIENTS = ['ruling-intake-console', 'ruling-intake-cli'] as const;
/** Relative path of the signing key under the data folder. */
export const SIGNING_KEY_FILE = join('keys', 'idp-signing.jwk.json');

const ALG = 'ES256';
const DEFAULT_LIFETIME_SEC = 3600;
const CODE_LIFETIME_MS = 60_000;
const MAX_BODY_BYTES = 64 * 1024;

export interface DemoUser {
  /** What to type as `username` (password grant) or pick on the sign-in page: `clerk`, `institution:UGENT`. */
  readonly username: string;
  readonly sub: string;
  readonly role: Role;
  readonly institution?: string;
  readonly label: string;
}

export interface DemoClient {
  /** `institution-<CODE>`; its secret is `DEMO_CLIENT_SECRET`. */
  readonly clientId: string;
  readonly institution: string;
}

/** Who a token is for. `sub` defaults to the matching demo user (or the client id). */
export interface TokenSubject {
  readonly sub?: string;
  readonly role: Role;
  readonly institution?: string;
  readonly clientId?: string;
}

export interface IssueTokenOptions {
  /** Lifetime in seconds (default 3600); negative gives an already expired token. */
  readonly expiresInSec?: number;
  /** `aud` (default: the idp's audience). */
  readonly audience?: string | readonly string[];
  /** `iss` (default: the idp's issuer). */
  readonly issuer?: string;
  /**
   * `ES256` (default) signs with the idp's key. `none` (unsigned) and `HS256` (HMAC keyed with the
   * public key's SPKI PEM: the key-confusion forgery) exist only to test that they are refused.
   */
  readonly alg?: 'ES256' | 'none' | 'HS256';
  /** Extra or overriding claims (e.g. `{ role: 'janitor' }`, `{ nbf: … }`, `{ 'cognito:groups': [...] }`). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface LocalIdpOptions {
  readonly dataDir: string;
  /** e.g. `http://127.0.0.1:<port>/local-idp`; its path is where `handle` serves. */
  readonly issuer: string;
  readonly audience: string;
  /** Access-token lifetime in seconds (default 3600). */
  readonly tokenLifetimeSec?: number;
  readonly register?: InstitutionRegister;
}

export interface LocalIdp {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly authorizationEndpoint: string;
  /** The public key set (what `GET …/jwks.json` serves). */
  readonly jwks: JSONWebKeySet;
  /** Key id of the signing key (RFC 7638 thumbprint); stable across restarts. */
  readonly kid: string;
  readonly demoUsers: readonly DemoUser[];
  readonly demoClients: readonly DemoClient[];
  /** client id → institution code of the demo clients (for `AUTH_CLIENT_INSTITUTIONS`). */
  readonly clientInstitutions: Readonly<Record<string, string>>;
  issueToken(subject: TokenSubject, options?: IssueTokenOptions): Promise<string>;
  /** Serves the idp's endpoints; resolves false (and leaves `res` alone) for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
  /** SPKI PEM of the public key: only for the HS256 key-confusion forgery. */
  readonly publicPem: string;
}

/** Reads the signing key, or creates it (mode 0600) on first start. */
async function loadSigningKey(dataDir: string): Promise<SigningKey> {
  const file = join(dataDir, SIGNING_KEY_FILE);
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    const created = await exportJWK(privateKey);
    created.kid = await calculateJwkThumbprint({ kty: 'EC', crv: created.crv, x: created.x, y: created.y });
    created.alg = ALG;
    created.use = 'sig';
    // `wx`: never overwrite a key another process created meanwhile; then read whichever won.
    await writeFile(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  }
  await chmod(file, 0o600);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) {
    throw new Error(`local idp: ${file} is not an EC P-256 private key; delete it to create a new one`);
  }
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y });
  const privateKey = (await importJWK({ ...jwk, kid, alg: ALG }, ALG)) as CryptoKey;
  const publicJwk: JWK = { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: ALG, use: 'sig' };
  const publicPem = await exportSPKI((await importJWK(publicJwk, ALG, { extractable: true })) as CryptoKey);
  return { privateKey, publicJwk, kid, publicPem };
}

function demoUsersOf(register: InstitutionRegister): DemoUser[] {
  return [
    { username: 'clerk', sub: 'demo-clerk', role: 'clerk', label: 'Registry clerk (DBRC)' },
    { username: 'auditor', sub: 'demo-auditor', role: 'auditor', label: 'Auditor / data-protection officer' },
    { username: 'operator', sub: 'demo-operator', role: 'operator', label: 'AHOVOKS operator' },
    ...register.institutions.map((i): DemoUser => ({
      username: `institution:${i.code}`,
      sub: `demo-institution-${i.code}`,
      role: 'institution',
      institution: i.code,
      label: `${i.name} (institution ${i.code})`,
    })),
  ];
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly user: DemoUser;
  readonly scope: string;
  readonly nonce?: string;
  readonly expiresAt: number;
}

class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 405,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Compares secrets in constant time (hashes first, so lengths do not leak either). */
function secretEquals(given: string, expected: string): boolean {
  const h = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** Redirect URIs the sign-in page may send a code to: loopback (RFC 8252) or the issuer's origin. */
function allowedRedirect(uri: string, issuerOrigin: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.hash || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return loopback || url.origin === issuerOrigin ? url : undefined;
}

export async function createLocalIdp(options: LocalIdpOptions): Promise<LocalIdp> {
  const issuer = options.issuer.replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  const basePath = issuerUrl.pathname.replace(/\/+$/, '');
  const { audience } = options;
  const lifetime = options.tokenLifetimeSec ?? DEFAULT_LIFETIME_SEC;
  const register = options.register ?? defaultRegister;
  const key = await loadSigningKey(options.dataDir);
  const jwks: JSONWebKeySet = { keys: [key.publicJwk] };

  const demoUsers = demoUsersOf(register);
  const usersByName = new Map(demoUsers.map((u) => [u.username, u]));
  const demoClients: DemoClient[] = register.institutions.map((i) => ({
    clientId: `institution-${i.code}`,
    institution: i.code,
  }));
  const clientsById = new Map(demoClients.map((c) => [c.clientId, c]));
  const clientInstitutions = Object.fromEntries(demoClients.map((c) => [c.clientId, c.institution]));
  const codes = new Map<string, PendingCode>();

  const endpoints = {
    discovery: `${basePath}/.well-known/openid-configuration`,
    jwks: `${basePath}/jwks.json`,
    token: `${basePath}/token`,
    authorize: `${basePath}/authorize`,
  };
  const absolute = (path: string): string => `${issuerUrl.origin}${path}`;

  async function sign(
    payload: JWTPayload,
    alg: IssueTokenOptions['alg'] = ALG,
    typ = 'at+jwt',
  ): Promise<string> {
    if (alg === 'none') {
      return `${b64url(JSON.stringify({ alg: 'none', typ }))}.${b64url(JSON.stringify(payload))}.`;
    }
    if (alg === 'HS256') {
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ, kid: key.kid })
        .sign(new TextEncoder().encode(key.publicPem));
    }
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, typ, kid: key.kid }).sign(key.privateKey);
  }

  function defaultSub(subject: TokenSubject): string {
    if (subject.clientId) return subject.clientId;
    if (subject.role === 'institution') return `demo-institution-${subject.institution ?? 'unknown'}`;
    return `demo-${subject.role}`;
  }

  async function issueToken(subject: TokenSubject, opts: IssueTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: opts.issuer ?? issuer,
      aud: (opts.audience as string | string[] | undefined) ?? audience,
      sub: subject.sub ?? defaultSub(subject),
      iat: now,
      exp: now + (opts.expiresInSec ?? lifetime),
      jti: randomUUID(),
      role: subject.role,
      ...(subject.institution !== undefined ? { institution: subject.institution } : {}),
      ...(subject.clientId !== undefined ? { client_id: subject.clientId, scope: INSTITUTION_SCOPE } : {}),
      ...opts.claims,
    };
    return sign(payload, opts.alg);
  }

  const userToken = (user: DemoUser): Promise<string> =>
    issueToken({
      sub: user.sub,
      role: user.role,
      ...(user.institution ? { institution: user.institution } : {}),
    });

  function tokenResponse(res: ServerResponse, accessToken: string, extra: Record<string, string> = {}): void {
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, ...extra }, cors);
  }

  // ---- token endpoint ----------------------------------------------------------------------

  /** Client authentication: HTTP Basic (client_secret_basic) or form fields (client_secret_post). */
  function clientCredentials(
    req: IncomingMessage,
    form: URLSearchParams,
  ): { clientId?: string; secret?: string; basic: boolean } {
    const header = req.headers.authorization;
    if (header?.toLowerCase().startsWith('basic ')) {
      if (form.has('client_secret'))
        throw new OAuthError(400, 'invalid_request', 'use one client authentication method');
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError(401, 'invalid_client', 'malformed Basic credentials');
      try {
        return {
          clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
          secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
          basic: true,
        };
      } catch {
        throw new OAuthError(401, 'invalid_client', 'malformed Basic credentials');
      }
    }
    return {
      clientId: form.get('client_id') ?? undefined,
      secret: form.get('client_secret') ?? undefined,
      basic: false,
    };
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const client = clientCredentials(req, form);
    const grant = form.get('grant_type');
    const badClient = (description: string): OAuthError => {
      const err = new OAuthError(401, 'invalid_client', description);
      if (client.basic) res.setHeader('WWW-Authenticate', 'Basic realm="local-idp"');
      return err;
    };

    if (grant === 'client_credentials') {
      const known = client.clientId ? clientsById.get(client.clientId) : undefined;
      if (!known || client.secret === undefined || !secretEquals(client.secret, DEMO_CLIENT_SECRET)) {
        throw badClient('unknown client or wrong client secret');
      }
      const scope = form.get('scope');
      if (scope && !scope.split(' ').every((s) => s === INSTITUTION_SCOPE)) {
        throw new OAuthError(400, 'invalid_scope', `only ${INSTITUTION_SCOPE} can be granted`);
      }
      const accessToken = await issueToken({
        sub: known.clientId,
        role: 'institution',
        institution: known.institution,
        clientId: known.clientId,
      });
      return tokenResponse(res, accessToken, { scope: INSTITUTION_SCOPE });
    }

    if (grant === 'password') {
      // A client is optional here; if one is named, it must authenticate properly.
      if (client.clientId !== undefined) authenticateAny(client, badClient);
      const username = form.get('username');
      const password = form.get('password');
      if (!username || password === null)
        throw new OAuthError(400, 'invalid_request', 'username and password are required');
      const user = usersByName.get(username);
      // Same answer for an unknown user and a wrong password.
      if (!secretEquals(password, DEMO_PASSWORD) || !user) {
        throw new OAuthError(400, 'invalid_grant', 'unknown demo user or wrong password');
      }
      return tokenResponse(res, await userToken(user));
    }

    if (grant === 'authorization_code') {
      const code = form.get('code');
      const verifier = form.get('code_verifier');
      if (!code || !verifier || !client.clientId) {
        throw new OAuthError(400, 'invalid_request', 'code, code_verifier and client_id are required');
      }
      authenticateAny(client, badClient);
      const pending = codes.get(code);
      codes.delete(code); // a code is good for one attempt, successful or not
      if (!pending || pending.expiresAt < Date.now()) {
        throw new OAuthError(400, 'invalid_grant', 'unknown, used or expired code');
      }
      if (pending.clientId !== client.clientId || pending.redirectUri !== form.get('redirect_uri')) {
        throw new OAuthError(
          400,
          'invalid_grant',
          'client_id or redirect_uri differs from the authorization request',
        );
      }
      // PKCE (RFC 7636): BASE64URL(SHA-256(code_verifier)) must equal the code_challenge.
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || b64url(sha256(verifier)) !== pending.codeChallenge) {
        throw new OAuthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
      }
      const accessToken = await userToken(pending.user);
      const extra: Record<string, string> = { scope: pending.scope };
      if (pending.scope.split(' ').includes('openid')) extra.id_token = await idToken(pending);
      return tokenResponse(res, accessToken, extra);
    }

    if (!grant) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      'supported: client_credentials, password, authorization_code',
    );
  }

  /** A public client without a secret, or a confidential (institution) client with its secret. */
  function authenticateAny(
    client: { clientId?: string; secret?: string },
    badClient: (description: string) => OAuthError,
  ): void {
    const id = client.clientId ?? '';
    if ((PUBLIC_CLIENTS as readonly string[]).includes(id) && client.secret === undefined) return;
    if (clientsById.has(id) && client.secret !== undefined && secretEquals(client.secret, DEMO_CLIENT_SECRET))
      return;
    throw badClient('unknown client or wrong client secret');
  }

  async function idToken(pending: PendingCode): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const { user } = pending;
    return sign(
      {
        iss: issuer,
        aud: pending.clientId,
        sub: user.sub,
        iat: now,
        auth_time: now,
        exp: now + lifetime,
        ...(pending.nonce ? { nonce: pending.nonce } : {}),
        name: user.label,
        role: user.role,
        ...(user.institution ? { institution: user.institution } : {}),
      },
      ALG,
      'JWT',
    );
  }

  // ---- authorization endpoint (sign-in page) -----------------------------------------------

  interface AuthorizeRequest {
    clientId: string;
    redirect: URL;
    state?: string;
    codeChallenge: string;
    scope: string;
    nonce?: string;
  }

  /** Validates an authorization request; errors about the client or redirect URI are shown, not redirected. */
  function authorizeRequest(params: URLSearchParams, res: ServerResponse): AuthorizeRequest | undefined {
    const clientId = params.get('client_id') ?? '';
    const redirect = allowedRedirect(params.get('redirect_uri') ?? '', issuerUrl.origin);
    if (!(PUBLIC_CLIENTS as readonly string[]).includes(clientId) || !redirect) {
      page(
        res,
        400,
        'Sign-in request refused',
        '<p>Unknown <code>client_id</code> or a <code>redirect_uri</code> that is not a loopback address.</p>',
      );
      return undefined;
    }
    const state = params.get('state') ?? undefined;
    const fail = (error: string, description: string): undefined => {
      const target = new URL(redirect);
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      if (state !== undefined) target.searchParams.set('state', state);
      target.searchParams.set('iss', issuer);
      res.writeHead(302, { Location: target.href, 'Cache-Control': 'no-store' }).end();
      return undefined;
    };
    if (params.get('response_type') !== 'code')
      return fail('unsupported_response_type', 'only response_type=code');
    const codeChallenge = params.get('code_challenge') ?? '';
    if (params.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
      return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    }
    const nonce = params.get('nonce') ?? undefined;
    return {
      clientId,
      redirect,
      codeChallenge,
      scope: params.get('scope') ?? 'openid',
      ...(state !== undefined ? { state } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
    };
  }

  function signInPage(res: ServerResponse, request: AuthorizeRequest, params: URLSearchParams): void {
    const hidden = [
      'response_type',
      'client_id',
      'redirect_uri',
      'state',
      'code_challenge',
      'code_challenge_method',
      'scope',
      'nonce',
    ]
      .filter((name) => params.has(name))
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`)
      .join('\n      ');
    const option = (u: DemoUser): string =>
      `<option value="${escapeHtml(u.username)}">${escapeHtml(u.label)}</option>`;
    const staff = demoUsers
      .filter((u) => u.role !== 'institution')
      .map(option)
      .join('\n          ');
    const institutions = demoUsers
      .filter((u) => u.role === 'institution')
      .map(option)
      .join('\n          ');
    page(
      res,
      200,
      'Sign in',
      `<p>This is the identity provider of the <strong>local stack</strong>. Choose a demo user to
      continue to <code>${escapeHtml(request.redirect.origin)}</code>. There is no password: never expose it
      beyond your own machine.</p>
    <form method="post" action="${escapeHtml(endpoints.authorize)}">
      ${hidden}
      <p>
        <label for="username">Demo user</label><br>
        <select id="username" name="username" required>
          <optgroup label="DBRC and AHOVOKS">
          ${staff}
          </optgroup>
          <optgroup label="Higher-education institutions">
          ${institutions}
          </optgroup>
        </select>
      </p>
      <p><button type="submit">Sign in</button></p>
    </form>`,
      request.redirect.origin,
    );
  }

  async function authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = req.method === 'POST' ? await readForm(req) : url.searchParams;
    const request = authorizeRequest(params, res);
    if (!request) return;
    if (req.method === 'GET') return signInPage(res, request, params);

    const user = usersByName.get(params.get('username') ?? '');
    if (!user) return signInPage(res, request, params);
    for (const [c, p] of codes) if (p.expiresAt < Date.now()) codes.delete(c);
    const code = b64url(randomBytes(32));
    codes.set(code, {
      clientId: request.clientId,
      redirectUri: params.get('redirect_uri') ?? '',
      codeChallenge: request.codeChallenge,
      user,
      scope: request.scope,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    const target = new URL(request.redirect);
    target.searchParams.set('code', code);
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    target.searchParams.set('iss', issuer); // RFC 9207
    res.writeHead(302, { Location: target.href, 'Cache-Control': 'no-store' }).end();
  }

  // ---- routing -----------------------------------------------------------------------------

  const discovery = {
    issuer,
    authorization_endpoint: absolute(endpoints.authorize),
    token_endpoint: absolute(endpoints.token),
    jwks_uri: absolute(endpoints.jwks),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'client_credentials', 'password'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ALG],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', INSTITUTION_SCOPE],
    claims_supported: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'role', 'institution', 'client_id', 'nonce'],
    authorization_response_iss_parameter_supported: true,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local-idp.invalid');
    const route = (
      {
        [endpoints.discovery]: 'discovery',
        [endpoints.jwks]: 'jwks',
        [endpoints.token]: 'token',
        [endpoints.authorize]: 'authorize',
      } as Record<string, string>
    )[url.pathname];
    if (!route) return false;
    const method = req.method ?? 'GET';
    const allowed = route === 'token' ? ['POST'] : route === 'authorize' ? ['GET', 'POST'] : ['GET', 'HEAD'];
    try {
      if (method === 'OPTIONS' && route !== 'authorize') {
        res.writeHead(204, {
          ...cors,
          'Access-Control-Allow-Methods': allowed.join(', '),
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return true;
      }
      if (!allowed.includes(method)) {
        res.setHeader('Allow', allowed.join(', '));
        throw new OAuthError(405, 'invalid_request', `use ${allowed.join(' or ')}`);
      }
      if (route === 'discovery')
        send(res, 200, discovery, { ...cors, 'Cache-Control': 'public, max-age=60' });
      else if (route === 'jwks') {
        send(res, 200, jwks, { ...cors, 'Cache-Control': 'public, max-age=60' }, 'application/jwk-set+json');
      } else if (route === 'token') await token(req, res);
      else await authorize(req, res, url);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      send(res, e.status, { error: e.error, error_description: e.description }, cors);
    }
    return true;
  }

  return {
    issuer,
    audience,
    jwksUri: absolute(endpoints.jwks),
    tokenEndpoint: absolute(endpoints.token),
    authorizationEndpoint: absolute(endpoints.authorize),
    jwks,
    kid: key.kid,
    demoUsers,
    demoClients,
    clientInstitutions,
    issueToken,
    handle,
  };
}

const cors = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'authorization, content-type',
} as const;

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': `${contentType}; charset=utf-8`,
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function page(res: ServerResponse, status: number, title: string, body: string, formTarget?: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
  });
  res.end(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · ruling intake (local)</title>
  <style>body { font: 1rem/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  select, button { font: inherit; padding: .4rem; } button { cursor: pointer; }</style>
</head>
<body>
  <main>
    <h1>${escapeHtml(title)}</h1>
    ${body}
  </main>
</body>
</html>
`);
}

/** Reads an `application/x-www-form-urlencoded` body; a parameter may appear only once (RFC 6749 §3.1). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    throw new OAuthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Drain the whole body even when it is too large (leaving the loop early would destroy the socket).
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) throw new OAuthError(400, 'invalid_request', 'the body is too large');
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (seen.has(name)) throw new OAuthError(400, 'invalid_request', `parameter ${name} is repeated`);
    seen.add(name);
  }
  return form;
}
