/**
 * The local stack's OpenID Connect issuer (stands in for Cognito / ACM/IDM on a laptop): a
 * configuration of `oidc-provider` (OpenID certified), mounted at the issuer's path (`/local-idp`).
 *
 * - One EC P-256 signing key (ES256), generated on first start and kept in
 *   `<dataDir>/keys/idp-signing.jwk.json` (mode 0600): the provider's JWKS, so tokens and cached
 *   JWKS survive restarts.
 * - oidc-provider serves discovery, JWKS, the authorization endpoint (code flow, PKCE S256 required
 *   of the public clients, `iss` in the response) and the token endpoint (authorization code,
 *   client credentials). Access tokens are JWTs for the API (resource indicator `API_RESOURCE`,
 *   `aud` = the API's audience) with the claims `shared/auth/verify.ts` maps: `role`, `institution`,
 *   and `scope` `INSTITUTION_SCOPE` for machine clients.
 * - Hand-written, on purpose: the sign-in page (oidc-provider leaves interactions to the
 *   deployment: here a list of demo users, no password), the password grant for the CLI's
 *   `--as <who>` (registered with `registerGrantType`, as oidc-provider documents for ROPC), and
 *   `issueToken`, which signs tokens in-process for tests (not a protocol flow).
 * - Demo users for every role and every institution of the register, one machine client per
 *   institution. The CLI's password and the machine clients' secret are public: laptop only.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';
import { errors, interactionPolicy, Provider } from 'oidc-provider';
import type { ClientMetadata, Configuration, ResourceServer, TokenEndpointGrantContext } from 'oidc-provider';
import type { Role } from '../../shared/domain/principal.js';
import { DEFAULT_STUDENT_NUMBER_CLAIM, INSTITUTION_SCOPE } from '../../shared/auth/verify.js';
import { defaultRegister } from '../../shared/domain/institutions.js';
import type { InstitutionRegister } from '../../shared/domain/institutions.js';

/** Password of every demo user for the CLI's password grant. Public on purpose: local stack only. */
export const DEMO_PASSWORD = 'local-demo-password';
/** Secret of every demo machine client (client credentials grant). Public on purpose: local stack only. */
export const DEMO_CLIENT_SECRET = 'local-demo-secret';
/** Public clients (no secret, PKCE S256 required) allowed at the authorization endpoint. */
export const PUBLIC_CLIENTS = ['ruling-intake-console', 'ruling-intake-cli'] as const;
/** Relative path of the signing key under the data folder. */
export const SIGNING_KEY_FILE = join('keys', 'idp-signing.jwk.json');
/** Resource indicator (RFC 8707) of the API; its tokens carry the idp's `audience` as `aud`. */
export const API_RESOURCE = 'urn:ruling-intake:api';

const ALG = 'ES256';
const DEFAULT_LIFETIME_SEC = 3600;
const CODE_LIFETIME_SEC = 60;
const MAX_BODY_BYTES = 64 * 1024;

export interface DemoUser {
  /** What to type as `username` (CLI's password grant) or pick on the sign-in page: `clerk`, `institution:UGENT`. */
  readonly username: string;
  readonly sub: string;
  readonly role: Role;
  readonly institution?: string;
  /** The demo student's national number (the `national_number` claim), for the `student` role only. */
  readonly nationalNumber?: string;
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
  /** A student's national number (default: the demo student's). */
  readonly nationalNumber?: string;
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
  /** Signs a token in-process with the issuer's key (tests; not a protocol flow). */
  issueToken(subject: TokenSubject, options?: IssueTokenOptions): Promise<string>;
  /** Serves the idp's endpoints; resolves false (and leaves `res` alone) for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

interface SigningKey {
  readonly privateJwk: JWK;
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
  const privateJwk: JWK = {
    kty: 'EC',
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    d: jwk.d,
    kid,
    alg: ALG,
    use: 'sig',
  };
  const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
  const publicJwk: JWK = { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: ALG, use: 'sig' };
  const publicPem = await exportSPKI((await importJWK(publicJwk, ALG, { extractable: true })) as CryptoKey);
  return { privateJwk, privateKey, publicJwk, kid, publicPem };
}

/** The demo student: Anna Maria Van den Broeck of the sample extracts (public demo data, laptop only). */
export const DEMO_STUDENT_NUMBER = '85073003328';

/** The claims a demo user's tokens carry besides `sub`: role, institution, the student's number. */
function userClaims(user: DemoUser): Record<string, string> {
  return {
    role: user.role,
    ...(user.institution ? { institution: user.institution } : {}),
    ...(user.nationalNumber ? { [DEFAULT_STUDENT_NUMBER_CLAIM]: user.nationalNumber } : {}),
  };
}

function demoUsersOf(register: InstitutionRegister): DemoUser[] {
  return [
    { username: 'clerk', sub: 'demo-clerk', role: 'clerk', label: 'Registry clerk (DBRC)' },
    { username: 'auditor', sub: 'demo-auditor', role: 'auditor', label: 'Auditor / data-protection officer' },
    { username: 'operator', sub: 'demo-operator', role: 'operator', label: 'AHOVOKS operator' },
    {
      username: 'student',
      sub: 'demo-student',
      role: 'student',
      // The person of the samples (samples/README.md): 85.07.30-033.28.
      nationalNumber: DEMO_STUDENT_NUMBER,
      label: 'Student: Van den Broeck, Anna Maria',
    },
    ...register.institutions.map((i): DemoUser => ({
      username: `institution:${i.code}`,
      sub: `demo-institution-${i.code}`,
      role: 'institution',
      institution: i.code,
      label: `${i.name} (institution ${i.code})`,
    })),
  ];
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

/** The console's sign-in callbacks: the issuer's origin and its `localhost`/`127.0.0.1` twin. */
function consoleRedirects(issuerUrl: URL): string[] {
  const origins = [issuerUrl.origin];
  const { protocol, hostname, port } = issuerUrl;
  const twin = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[hostname];
  if (twin) origins.push(`${protocol}//${twin}${port ? `:${port}` : ''}`);
  return origins.map((o) => `${o}/callback`);
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
  const usersBySub = new Map(demoUsers.map((u) => [u.sub, u]));
  const demoClients: DemoClient[] = register.institutions.map((i) => ({
    clientId: `institution-${i.code}`,
    institution: i.code,
  }));
  const clientInstitutions: Record<string, string> = Object.fromEntries(
    demoClients.map((c) => [c.clientId, c.institution]),
  );

  const routes = { authorization: '/authorize', token: '/token', jwks: '/jwks.json' } as const;
  const absolute = (route: string): string => `${issuerUrl.origin}${basePath}${route}`;

  /** The API as a resource server: JWT access tokens signed with the idp's key, `aud` = audience. */
  const apiResourceServer = (clientId: string): ResourceServer => ({
    scope: clientInstitutions[clientId] ? INSTITUTION_SCOPE : '',
    audience,
    accessTokenTTL: lifetime,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: ALG } },
  });

  const clients: ClientMetadata[] = [
    {
      client_id: 'ruling-intake-console',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: consoleRedirects(issuerUrl),
    },
    {
      // A native app: any loopback port for the code flow (RFC 8252), and the password grant of `--as`.
      client_id: 'ruling-intake-cli',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'password'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    },
    ...demoClients.map((c): ClientMetadata => ({
      client_id: c.clientId,
      client_secret: DEMO_CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: INSTITUTION_SCOPE,
    })),
  ];

  // The sign-in page at every sign-in, as before: signing out of the console and in again may
  // pick another demo user (oidc-provider would otherwise reuse its session silently).
  const policy = interactionPolicy.base();
  policy
    .get('login')
    ?.checks.add(
      new interactionPolicy.Check('demo_user_pick', 'a demo user is picked at every sign-in', (ctx) =>
        ctx.oidc.result?.login
          ? interactionPolicy.Check.NO_NEED_TO_PROMPT
          : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );

  const configuration: Configuration = {
    clients,
    jwks: { keys: [key.privateJwk as never] },
    routes,
    responseTypes: ['code'],
    scopes: ['openid', INSTITUTION_SCOPE],
    claims: { openid: ['sub', 'name', 'role', 'institution', DEFAULT_STUDENT_NUMBER_CLAIM] },
    // The console reads the user's name and role from the ID token.
    conformIdTokenClaims: false,
    clientDefaults: { id_token_signed_response_alg: ALG },
    enabledJWA: { idTokenSigningAlgValues: [ALG] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => {
          if (indicator !== API_RESOURCE) throw new errors.InvalidTarget();
          return apiResourceServer(client.clientId);
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: lifetime,
      ClientCredentials: lifetime,
      IdToken: lifetime,
      AuthorizationCode: CODE_LIFETIME_SEC,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    interactions: { policy, url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const user = usersBySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          name: user.label,
          ...userClaims(user),
        }),
      };
    },
    // The role and institution the API maps (shared/auth/verify.ts), on every access token.
    extraTokenClaims: (_ctx, token) => {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const user = accountId ? usersBySub.get(accountId) : undefined;
      if (user) return userClaims(user);
      const institution = token.clientId ? clientInstitutions[token.clientId] : undefined;
      return institution ? { role: 'institution', institution } : undefined;
    },
    formats: {
      customizers: {
        // A machine client's token always carries its scope, as Cognito's does without `scope=`.
        jwt: (_ctx, token, jwt) => {
          if (token.kind === 'ClientCredentials' && !jwt.payload.scope) jwt.payload.scope = INSTITUTION_SCOPE;
        },
      },
    },
    // Demo users consent implicitly to the first-party clients: no consent screen.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.client || !oidc.session?.accountId) return undefined;
      const grant = new oidc.provider.Grant({
        clientId: oidc.client.clientId,
        accountId: oidc.session.accountId,
      });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      grant.addOIDCClaims([...oidc.requestParamClaims]);
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        grant.addResourceScope(
          indicator,
          [...oidc.requestParamScopes].filter((s) => server.scopes.has(s)).join(' '),
        );
      }
      await grant.save();
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = pageHtml(
        'Sign-in request refused',
        `<p>${escapeHtml(String(out.error_description ?? out.error))}</p>`,
      );
    },
  };

  const provider = new Provider(issuer, configuration);
  // The CLI's `--as <who>`: the password grant (ROPC), which oidc-provider leaves to `registerGrantType`.
  provider.registerGrantType('password', passwordGrant, ['username', 'password', 'scope']);
  const callback = provider.callback();

  async function passwordGrant(ctx: TokenEndpointGrantContext<{ username?: string; password?: string }>) {
    const { username, password } = ctx.oidc.params;
    if (!username || password === undefined) {
      throw new errors.InvalidRequest('username and password are required');
    }
    const user = usersByName.get(username);
    // Same answer for an unknown user and a wrong password.
    if (!secretEquals(password, DEMO_PASSWORD) || !user) {
      throw new errors.InvalidGrant('unknown demo user or wrong password');
    }
    const { client } = ctx.oidc;
    const grant = new provider.Grant({ accountId: user.sub, clientId: client.clientId });
    grant.addResourceScope(API_RESOURCE, '');
    const grantId = await grant.save();
    const token = new provider.AccessToken({ accountId: user.sub, client, grantId, gty: 'password' });
    token.resourceServer = new provider.ResourceServer(API_RESOURCE, apiResourceServer(client.clientId));
    ctx.body = {
      access_token: await token.save(),
      token_type: 'Bearer',
      expires_in: token.expiration,
    };
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
      ...(subject.role === 'student'
        ? { [DEFAULT_STUDENT_NUMBER_CLAIM]: subject.nationalNumber ?? DEMO_STUDENT_NUMBER }
        : {}),
      ...opts.claims,
    };
    const typ = 'at+jwt';
    if (opts.alg === 'none') {
      return `${b64url(JSON.stringify({ alg: 'none', typ }))}.${b64url(JSON.stringify(payload))}.`;
    }
    if (opts.alg === 'HS256') {
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ, kid: key.kid })
        .sign(new TextEncoder().encode(key.publicPem));
    }
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, typ, kid: key.kid }).sign(key.privateKey);
  }

  // ---- the sign-in page (oidc-provider's interaction, resolved by picking a demo user) ---------

  function signInPage(res: ServerResponse, action: string, redirectUri: string, status = 200): void {
    const target = new URL(redirectUri).origin;
    const option = (u: DemoUser): string =>
      `<option value="${escapeHtml(u.username)}">${escapeHtml(u.label)}</option>`;
    const kind = (u: DemoUser): 'staff' | 'institution' | 'student' =>
      u.role === 'institution' || u.role === 'student' ? u.role : 'staff';
    const group = (k: ReturnType<typeof kind>): string =>
      demoUsers
        .filter((u) => kind(u) === k)
        .map(option)
        .join('\n          ');
    page(
      res,
      status,
      pageHtml(
        'Sign in',
        `<p>This is the identity provider of the <strong>local stack</strong>. Choose a demo user to
      continue to <code>${escapeHtml(target)}</code>. There is no password: never expose it
      beyond your own machine.</p>
    <form method="post" action="${escapeHtml(action)}">
      <p>
        <label for="username">Demo user</label><br>
        <select id="username" name="username" required>
          <optgroup label="DBRC and AHOVOKS">
          ${group('staff')}
          </optgroup>
          <optgroup label="Higher-education institutions">
          ${group('institution')}
          </optgroup>
          <optgroup label="Students">
          ${group('student')}
          </optgroup>
        </select>
      </p>
      <p><button type="submit">Sign in</button></p>
    </form>`,
      ),
      // The form's answer redirects on to the client's callback: allow it as a form target.
      target,
    );
  }

  async function interaction(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (e) {
      if (!(e instanceof errors.SessionNotFound)) throw e;
      page(res, 400, pageHtml('Sign-in expired', '<p>Start the sign-in again from the application.</p>'));
      return;
    }
    const redirectUri = String(details.params.redirect_uri);
    if (req.method === 'GET') return signInPage(res, action, redirectUri);
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST' }).end();
      return;
    }
    const user = usersByName.get((await readForm(req))?.get('username') ?? '');
    if (!user) return signInPage(res, action, redirectUri, 400);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub } },
      { mergeWithLastSubmission: false },
    );
  }

  // ---- routing: everything under the issuer's path goes to oidc-provider -----------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const original = req.url ?? '/';
    const { pathname } = new URL(original, 'http://local-idp.invalid');
    if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return false;
    const rest = pathname.slice(basePath.length);
    if (/^\/interaction\/[A-Za-z0-9_-]+$/.test(rest)) {
      await interaction(req, res, pathname);
      return true;
    }
    // Mounted under a path, as oidc-provider documents: it sees the path without the prefix and
    // builds its URLs from `originalUrl`.
    const mounted = req as IncomingMessage & { originalUrl?: string };
    mounted.originalUrl = original;
    req.url = original.slice(basePath.length) || '/';
    try {
      await callback(req, res);
    } finally {
      req.url = original;
      delete mounted.originalUrl;
    }
    return true;
  }

  return {
    issuer,
    audience,
    jwksUri: absolute(routes.jwks),
    tokenEndpoint: absolute(routes.token),
    authorizationEndpoint: absolute(routes.authorization),
    jwks,
    kid: key.kid,
    demoUsers,
    demoClients,
    clientInstitutions,
    issueToken,
    handle,
  };
}

function pageHtml(title: string, body: string): string {
  return `<!doctype html>
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
`;
}

function page(res: ServerResponse, status: number, html: string, formTarget?: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
  });
  res.end(html);
}

/** Reads the sign-in form (`application/x-www-form-urlencoded`, small); undefined for anything else. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  // Drain the whole body even when it is too large (leaving the loop early would destroy the socket).
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (type !== 'application/x-www-form-urlencoded' || size > MAX_BODY_BYTES) return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
