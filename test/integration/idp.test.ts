import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  createLocalIdp,
  DEMO_CLIENT_SECRET,
  DEMO_PASSWORD,
  PUBLIC_CLIENTS,
  SIGNING_KEY_FILE,
} from '../../infra/local/idp.js';
import type { LocalIdp } from '../../infra/local/idp.js';
import { AuthError, TokenVerifier } from '../../shared/auth/verify.js';

const AUDIENCE = 'ruling-intake';
const [CONSOLE, CLI] = PUBLIC_CLIENTS;

interface Running {
  readonly idp: LocalIdp;
  readonly origin: string;
  close(): Promise<void>;
}

/** The idp on a loopback server (port 0), as the local stack mounts it. */
async function startIdp(dataDir: string): Promise<Running> {
  const mounted: { idp?: LocalIdp } = {};
  const server = createServer((req, res) => {
    void (async () => {
      if (!mounted.idp || !(await mounted.idp.handle(req, res))) res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp = await createLocalIdp({ dataDir, issuer: `${origin}/local-idp`, audience: AUDIENCE });
  mounted.idp = idp;
  return {
    idp,
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function tokenRequest(idp: LocalIdp, init: RequestInit): Promise<TokenAnswer> {
  const res = await fetch(idp.tokenEndpoint, init);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const accessToken = (answer: TokenAnswer): string => {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.token_type, 'Bearer');
  assert.equal(answer.body.expires_in, 3600);
  assert.equal(typeof answer.body.access_token, 'string');
  return answer.body.access_token as string;
};

/** Just enough of a browser for the sign-in: keeps cookies, never follows redirects itself. */
class Browser {
  private readonly cookies = new Map<string, string>();

  get(url: string): Promise<Response> {
    return this.send(url, {});
  }

  post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.send(url, form(fields));
  }

  /** Submits the page's (only) form with its hidden fields, as its own script would. */
  submitForm(html: string): Promise<Response> {
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    return this.post(action, fields);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }
}

let dataDir: string;
let running: Running;
let verifier: TokenVerifier;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-idp-'));
  running = await startIdp(dataDir);
  verifier = new TokenVerifier({
    issuer: running.idp.issuer,
    audience: AUDIENCE,
    jwks: new URL(running.idp.jwksUri),
  });
});

after(async () => {
  await running.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the local identity provider', () => {
  it('publishes its OpenID configuration and its public signing key', async () => {
    const { idp, origin } = running;
    const res = await fetch(`${origin}/local-idp/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const config = (await res.json()) as Record<string, unknown>;
    assert.equal(config.issuer, `${origin}/local-idp`);
    assert.equal(config.jwks_uri, `${origin}/local-idp/jwks.json`);
    assert.equal(config.token_endpoint, `${origin}/local-idp/token`);
    assert.equal(config.authorization_endpoint, `${origin}/local-idp/authorize`);
    assert.deepEqual(config.response_types_supported, ['code']);
    assert.deepEqual(config.id_token_signing_alg_values_supported, ['ES256']);
    assert.deepEqual(config.code_challenge_methods_supported, ['S256']);
    for (const grant of ['authorization_code', 'client_credentials', 'password']) {
      assert.ok((config.grant_types_supported as string[]).includes(grant), grant);
    }

    const jwksRes = await fetch(config.jwks_uri as string);
    assert.equal(jwksRes.status, 200);
    const jwks = (await jwksRes.json()) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 1);
    const [key] = jwks.keys;
    assert.deepEqual(
      { kty: key?.kty, crv: key?.crv, alg: key?.alg, use: key?.use, kid: key?.kid },
      { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: idp.kid },
    );
    assert.equal(key?.d, undefined, 'the private part is never published');
    assert.deepEqual(jwks, idp.jwks);
  });

  it('leaves paths outside its own to the server', async () => {
    assert.equal((await fetch(`${running.origin}/v1/openapi.json`)).status, 404);
    assert.equal((await fetch(`${running.origin}/local-idp/unknown`)).status, 404);
    // oidc-provider routes by method too: the token endpoint takes POST only.
    assert.equal((await fetch(running.idp.tokenEndpoint)).status, 404);
  });

  it('issues tokens to every demo user through the password grant, and they verify against the remote JWKS', async () => {
    const { idp } = running;
    const expected = {
      clerk: { sub: 'demo-clerk', role: 'clerk' },
      auditor: { sub: 'demo-auditor', role: 'auditor' },
      operator: { sub: 'demo-operator', role: 'operator' },
      'institution:UGENT': { sub: 'demo-institution-UGENT', role: 'institution', institution: 'UGENT' },
      'institution:KUL': { sub: 'demo-institution-KUL', role: 'institution', institution: 'KUL' },
    };
    for (const [username, principal] of Object.entries(expected)) {
      const t = accessToken(
        await tokenRequest(
          idp,
          form({ grant_type: 'password', client_id: CLI, username, password: DEMO_PASSWORD }),
        ),
      );
      assert.deepEqual(await verifier.verify(`Bearer ${t}`), { ...principal, clientId: CLI }, username);
      const claims = decodeJwt(t);
      assert.equal(claims.iss, idp.issuer);
      assert.equal(claims.aud, AUDIENCE);
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600);
      assert.equal(typeof claims.jti, 'string');
      assert.equal(decodeProtectedHeader(t).kid, idp.kid);
    }
    // Every institution of the register has a demo user.
    assert.ok(idp.demoUsers.some((u) => u.username === 'institution:HOWEST'));
  });

  it('refuses the password grant for a wrong password or an unknown user', async () => {
    const { idp } = running;
    for (const fields of [
      { username: 'clerk', password: 'guess' },
      { username: 'root', password: DEMO_PASSWORD },
      { username: 'institution:HOGWARTS', password: DEMO_PASSWORD },
    ]) {
      const answer = await tokenRequest(idp, form({ grant_type: 'password', client_id: CLI, ...fields }));
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error, 'invalid_grant');
      assert.equal(typeof answer.body.error_description, 'string');
    }
  });

  it('issues institution tokens to machine clients through the client credentials grant', async () => {
    const { idp } = running;
    const viaPost = accessToken(
      await tokenRequest(
        idp,
        form({
          grant_type: 'client_credentials',
          client_id: 'institution-UGENT',
          client_secret: DEMO_CLIENT_SECRET,
        }),
      ),
    );
    assert.deepEqual(await verifier.verify(`Bearer ${viaPost}`), {
      sub: 'institution-UGENT',
      role: 'institution',
      institution: 'UGENT',
      clientId: 'institution-UGENT',
    });
    const basic = Buffer.from(`institution-KUL:${DEMO_CLIENT_SECRET}`).toString('base64');
    const viaBasic = accessToken(
      await tokenRequest(idp, {
        ...form({ grant_type: 'client_credentials' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      }),
    );
    assert.equal((await verifier.verify(`Bearer ${viaBasic}`)).institution, 'KUL');
    // The client mapping alone also yields the institution.
    const mapped = new TokenVerifier({
      issuer: idp.issuer,
      audience: AUDIENCE,
      jwks: new URL(idp.jwksUri),
      clientInstitutions: idp.clientInstitutions,
    });
    const withoutClaim = await idp.issueToken(
      { role: 'institution', clientId: 'institution-VUB' },
      { claims: { role: undefined, institution: undefined } },
    );
    assert.equal((await mapped.verify(`Bearer ${withoutClaim}`)).institution, 'VUB');
  });

  it('answers token requests it cannot grant with OAuth errors', async () => {
    const { idp } = running;
    const cases: [RequestInit, number, string][] = [
      [
        form({ grant_type: 'client_credentials', client_id: 'institution-UGENT', client_secret: 'nope' }),
        401,
        'invalid_client',
      ],
      [
        form({
          grant_type: 'client_credentials',
          client_id: 'institution-NOPE',
          client_secret: DEMO_CLIENT_SECRET,
        }),
        401,
        'invalid_client',
      ],
      [form({ grant_type: 'client_credentials', client_id: 'institution-UGENT' }), 401, 'invalid_client'],
      [
        form({
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: 'institution-UGENT',
          client_secret: DEMO_CLIENT_SECRET,
        }),
        400,
        'unsupported_grant_type',
      ],
      [form({}), 400, 'invalid_request'],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', username: 'clerk', password: DEMO_PASSWORD }),
        },
        400,
        'invalid_request',
      ],
      [
        { ...form({ grant_type: 'password' }), body: 'grant_type=password&grant_type=client_credentials' },
        400,
        'invalid_request',
      ],
    ];
    for (const [init, status, error] of cases) {
      const answer = await tokenRequest(idp, init);
      assert.deepEqual([answer.status, answer.body.error], [status, error], String(init.body));
    }
  });

  it('signs in a person with the authorization code flow and PKCE', async () => {
    const { idp } = running;
    const redirectUri = `${running.origin}/callback`;
    const verifierString = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifierString).digest('base64url');
    const params = {
      response_type: 'code',
      client_id: CONSOLE,
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'st<"ate>',
      nonce: 'n-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };

    /**
     * The browser: authorize → the sign-in page → pick a demo user → back at the callback. One
     * browser for both sign-ins: the page is shown every time, so another user can be picked.
     */
    const browser = new Browser();
    const signIn = async (username: string): Promise<URL> => {
      const start = await browser.get(`${idp.authorizationEndpoint}?${new URLSearchParams(params)}`);
      assert.equal(start.status, 303);
      const signInPage = new URL(start.headers.get('location') ?? '', running.origin);
      assert.ok(signInPage.pathname.startsWith('/local-idp/'), signInPage.pathname);

      const page = await browser.get(signInPage.href);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<label for="username">[^<]+<\/label>/);
      assert.match(html, /<select id="username" name="username"/);
      assert.match(html, /<option value="institution:UGENT">/);
      assert.ok(!html.includes('st<"ate>'), 'request parameters are not echoed unescaped');
      const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1] ?? '';

      let res = await browser.post(new URL(action, running.origin).href, { username });
      for (let hops = 0; hops < 5; hops++) {
        const location = res.headers.get('location') ?? '';
        if (res.status === 303 && !location.startsWith(redirectUri)) {
          res = await browser.get(new URL(location, running.origin).href);
        } else if (res.status === 200) {
          // Another user than the session's: oidc-provider ends that session first, through a
          // form the browser submits by itself.
          res = await browser.submitForm(await res.text());
        } else break;
      }
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get('location') ?? '');
      assert.equal(`${location.origin}${location.pathname}`, redirectUri);
      assert.equal(location.searchParams.get('state'), params.state);
      assert.equal(location.searchParams.get('iss'), idp.issuer);
      return location;
    };
    const exchange = (code: string, codeVerifier: string): Promise<TokenAnswer> =>
      tokenRequest(
        idp,
        form({
          grant_type: 'authorization_code',
          code,
          code_verifier: codeVerifier,
          client_id: CONSOLE,
          redirect_uri: redirectUri,
        }),
      );

    const code = (await signIn('institution:UGENT')).searchParams.get('code') ?? '';
    const answer = await exchange(code, verifierString);
    const t = accessToken(answer);
    assert.deepEqual(await verifier.verify(`Bearer ${t}`), {
      sub: 'demo-institution-UGENT',
      role: 'institution',
      institution: 'UGENT',
      clientId: CONSOLE,
    });
    const idToken = decodeJwt(answer.body.id_token as string);
    assert.deepEqual(
      [idToken.aud, idToken.nonce, idToken.sub, idToken.name],
      [CONSOLE, 'n-1', 'demo-institution-UGENT', 'Universiteit Gent (institution UGENT)'],
    );

    // A code is good once.
    const reused = await exchange(code, verifierString);
    assert.deepEqual([reused.status, reused.body.error], [400, 'invalid_grant']);

    // A wrong verifier is refused. (oidc-provider leaves the code to its owner, who holds the
    // verifier: the hand-written issuer burnt it; nothing in RFC 7636 asks for that.)
    const second = (await signIn('auditor')).searchParams.get('code') ?? '';
    const wrong = await exchange(second, randomBytes(32).toString('base64url'));
    assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_grant']);
    const right = accessToken(await exchange(second, verifierString));
    assert.equal((await verifier.verify(`Bearer ${right}`)).role, 'auditor');
  });

  it('refuses authorization requests without PKCE or with a foreign redirect URI', async () => {
    const { idp } = running;
    const base = {
      response_type: 'code',
      client_id: CONSOLE,
      redirect_uri: `${running.origin}/callback`,
      state: 's',
    };
    const noPkce = await fetch(`${idp.authorizationEndpoint}?${new URLSearchParams(base)}`, {
      redirect: 'manual',
    });
    assert.equal(noPkce.status, 303);
    const location = new URL(noPkce.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('state'), 's');

    const plain = new URLSearchParams({
      ...base,
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    const plainRes = await fetch(`${idp.authorizationEndpoint}?${plain}`, { redirect: 'manual' });
    assert.equal(
      new URL(plainRes.headers.get('location') ?? '').searchParams.get('error'),
      'invalid_request',
    );

    const pkce = { code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' };
    for (const bad of [
      { redirect_uri: 'https://evil.example/cb' },
      { redirect_uri: 'http://127.0.0.1:5173/callback' },
      { redirect_uri: 'javascript:alert(1)' },
      { client_id: 'unknown-client' },
      { client_id: 'institution-UGENT' },
    ]) {
      const res = await fetch(
        `${idp.authorizationEndpoint}?${new URLSearchParams({ ...base, ...pkce, ...bad })}`,
        {
          redirect: 'manual',
        },
      );
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.headers.get('location'), null);
    }
  });

  it('issues tokens the verifier refuses when asked for expired, foreign-audience or forged ones', async () => {
    const { idp } = running;
    const refusedCode = async (t: string): Promise<string> =>
      verifier.verify(`Bearer ${t}`).then(
        () => 'accepted',
        (e: unknown) => (e instanceof AuthError ? e.code : String(e)),
      );
    assert.equal(
      await refusedCode(await idp.issueToken({ role: 'clerk' }, { expiresInSec: -60 })),
      'UNAUTHENTICATED',
    );
    assert.equal(
      await refusedCode(await idp.issueToken({ role: 'clerk' }, { audience: 'other' })),
      'UNAUTHENTICATED',
    );
    assert.equal(
      await refusedCode(await idp.issueToken({ role: 'clerk' }, { alg: 'none' })),
      'UNAUTHENTICATED',
    );
    assert.equal(
      await refusedCode(await idp.issueToken({ role: 'clerk' }, { alg: 'HS256' })),
      'UNAUTHENTICATED',
    );
    assert.equal(await refusedCode(await idp.issueToken({ role: 'institution' })), 'FORBIDDEN');
    assert.equal(await refusedCode(await idp.issueToken({ role: 'clerk' })), 'accepted');
  });

  it('keeps its signing key across restarts, in a file of mode 0600', async () => {
    const file = join(dataDir, SIGNING_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'keys'))).mode & 0o777, 0o700);
    const before = await readFile(file, 'utf8');
    const token = await running.idp.issueToken({ role: 'operator' });

    const restarted = await startIdp(dataDir);
    try {
      assert.equal(restarted.idp.kid, running.idp.kid);
      assert.deepEqual(restarted.idp.jwks, running.idp.jwks);
      assert.equal(await readFile(file, 'utf8'), before, 'the key file is reused, not rewritten');
      // A token issued before the restart still verifies against the restarted issuer's JWKS.
      const v = new TokenVerifier({
        issuer: running.idp.issuer,
        audience: AUDIENCE,
        jwks: new URL(restarted.idp.jwksUri),
      });
      assert.equal((await v.verify(`Bearer ${token}`)).role, 'operator');
    } finally {
      await restarted.close();
    }

    const elsewhere = await mkdtemp(join(tmpdir(), 'local-idp-'));
    try {
      const other = await createLocalIdp({
        dataDir: elsewhere,
        issuer: running.idp.issuer,
        audience: AUDIENCE,
      });
      assert.notEqual(other.kid, running.idp.kid, 'another data folder gets another key');
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
