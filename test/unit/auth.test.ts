import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';
import type { Principal } from '../../shared/domain/principal.js';
import {
  AuthError,
  INSTITUTION_SCOPE,
  TokenVerifier,
  principalFromClaims,
} from '../../shared/auth/verify.js';
import type { AuthErrorCode } from '../../shared/auth/verify.js';

const ISSUER = 'https://idp.test/realm';
const AUDIENCE = 'ruling-intake-api';
const CLIENTS = { 'ugent-sis': 'UGENT', 'kul-sis': 'KUL' };

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
}

async function signingKey(alg: 'ES256' | 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' }, kid, alg };
}

let es: SigningKey;
let rs: SigningKey;
let stranger: SigningKey;
let jwks: JSONWebKeySet;
let verifier: TokenVerifier;

before(async () => {
  [es, rs, stranger] = await Promise.all([signingKey('ES256'), signingKey('RS256'), signingKey('ES256')]);
  jwks = { keys: [es.publicJwk, rs.publicJwk] };
  verifier = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, clientInstitutions: CLIENTS });
});

const now = (): number => Math.floor(Date.now() / 1000);

/** A well-formed token; `claims` override or add (set a claim to `undefined` to leave it out). */
async function token(claims: JWTPayload = {}, key: SigningKey = es, kid: string = key.kid): Promise<string> {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: now(),
    exp: now() + 600,
    jti: crypto.randomUUID(),
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid, typ: 'at+jwt' }).sign(key.privateKey);
}

const bearer = (t: string): string => `Bearer ${t}`;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Asserts `verify` refuses with `code`, and that nothing of the token leaks into the error. */
async function refused(
  header: string | undefined,
  code: AuthErrorCode,
  v: TokenVerifier = verifier,
): Promise<AuthError> {
  const err = await v.verify(header).then(
    (p) => assert.fail(`expected ${code}, got principal ${JSON.stringify(p)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AuthError, `expected an AuthError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.status, code === 'UNAUTHENTICATED' ? 401 : 403);
  assert.equal(err.cause, undefined, 'no cause carrying token material');
  const credentials = header?.replace(/^\S+\s*/, '') ?? '';
  const leaks = [credentials, ...credentials.split('.')].filter((part) => part.length >= 8);
  for (const text of [err.message, err.stack ?? '', JSON.stringify(err)]) {
    for (const part of leaks) assert.ok(!text.includes(part), `error text contains token material: ${text}`);
  }
  return err;
}

describe('TokenVerifier accepts valid tokens', () => {
  for (const role of ['clerk', 'auditor', 'operator'] as const) {
    it(`maps a ${role} token to a ${role} principal`, async () => {
      const principal = await verifier.verify(bearer(await token({ role, sub: `${role}-7` })));
      assert.deepEqual(principal, { sub: `${role}-7`, role } satisfies Principal);
    });
  }

  it('maps an institution token with an institution claim to that institution', async () => {
    const principal = await verifier.verify(
      bearer(await token({ role: 'institution', institution: 'UGENT' })),
    );
    assert.deepEqual(principal, { sub: 'user-1', role: 'institution', institution: 'UGENT' });
  });

  it('takes the institution of a machine client from the client-id mapping', async () => {
    const t = await token({ sub: 'ugent-sis', client_id: 'ugent-sis', scope: INSTITUTION_SCOPE });
    assert.deepEqual(await verifier.verify(bearer(t)), {
      sub: 'ugent-sis',
      role: 'institution',
      institution: 'UGENT',
      clientId: 'ugent-sis',
    });
  });

  it('uses azp as the client id when there is no client_id claim', async () => {
    const t = await token({ role: 'institution', azp: 'kul-sis' });
    assert.deepEqual(await verifier.verify(bearer(t)), {
      sub: 'user-1',
      role: 'institution',
      institution: 'KUL',
      clientId: 'kul-sis',
    });
  });

  it('accepts the same institution from both the claim and the client mapping', async () => {
    const t = await token({ role: 'institution', institution: 'KUL', client_id: 'kul-sis' });
    assert.equal((await verifier.verify(bearer(t))).institution, 'KUL');
  });

  it('maps Cognito groups to a role, clerk before auditor before operator before institution', async () => {
    const cases: [string[], string][] = [
      [['auditor'], 'auditor'],
      [['admins', 'operator'], 'operator'],
      [['operator', 'clerk'], 'clerk'],
      [['institution', 'auditor'], 'auditor'],
    ];
    for (const [groups, role] of cases) {
      const principal = await verifier.verify(bearer(await token({ 'cognito:groups': groups })));
      assert.equal(principal.role, role, groups.join(','));
    }
    const inst = await verifier.verify(
      bearer(await token({ 'cognito:groups': ['institution'], institution: 'UA' })),
    );
    assert.deepEqual(inst, { sub: 'user-1', role: 'institution', institution: 'UA' });
  });

  it('prefers the role claim over Cognito groups and scopes', async () => {
    const t = await token({ role: 'auditor', 'cognito:groups': ['operator'], scope: INSTITUTION_SCOPE });
    assert.equal((await verifier.verify(bearer(t))).role, 'auditor');
  });

  it('accepts a Cognito access token without aud whose client_id is an accepted audience', async () => {
    const v = new TokenVerifier({
      issuer: ISSUER,
      audience: ['web-client', 'ugent-sis'],
      jwks,
      clientInstitutions: CLIENTS,
    });
    const t = await token({
      aud: undefined,
      sub: 'ugent-sis',
      client_id: 'ugent-sis',
      scope: `${INSTITUTION_SCOPE} other`,
    });
    assert.deepEqual(await v.verify(bearer(t)), {
      sub: 'ugent-sis',
      role: 'institution',
      institution: 'UGENT',
      clientId: 'ugent-sis',
    });
  });

  it('accepts an audience list that contains the expected audience', async () => {
    const t = await token({ role: 'clerk', aud: ['other-api', AUDIENCE] });
    assert.equal((await verifier.verify(bearer(t))).role, 'clerk');
  });

  it('accepts RS256 as well as ES256, and a lower-case bearer scheme', async () => {
    assert.equal((await verifier.verify(bearer(await token({ role: 'operator' }, rs)))).role, 'operator');
    assert.equal((await verifier.verify(`bearer ${await token({ role: 'clerk' })}`)).role, 'clerk');
  });

  it('accepts a token that expired within the clock tolerance', async () => {
    const t = await token({ role: 'clerk', exp: now() - 2 });
    assert.equal((await verifier.verify(bearer(t))).role, 'clerk');
  });
});

describe('TokenVerifier refuses unauthenticated requests with 401', () => {
  it('refuses a request without an Authorization header', async () => {
    await refused(undefined, 'UNAUTHENTICATED');
    await refused('', 'UNAUTHENTICATED');
    await refused('   ', 'UNAUTHENTICATED');
  });

  it('refuses an Authorization header that is not Bearer', async () => {
    const t = await token({ role: 'clerk' });
    await refused(`Basic ${Buffer.from('clerk:secret').toString('base64')}`, 'UNAUTHENTICATED');
    await refused(t, 'UNAUTHENTICATED');
    await refused(`Token ${t}`, 'UNAUTHENTICATED');
  });

  it('refuses garbage in place of a token', async () => {
    for (const garbage of [
      'Bearer',
      'Bearer ',
      'Bearer not-a-jwt',
      'Bearer a.b',
      'Bearer a.b.c.d.e',
      'Bearer ###.$$$.%%%',
    ]) {
      await refused(garbage, 'UNAUTHENTICATED');
    }
    await refused(bearer(`${b64({ alg: 'ES256' })}.${b64('just a string')}.c2ln`), 'UNAUTHENTICATED');
    await refused(bearer(`eyJub3QganNvbg.eyJub3QganNvbg.c2lnbmF0dXJl`), 'UNAUTHENTICATED');
    await refused(bearer('x'.repeat(20_000) + '.a.b'), 'UNAUTHENTICATED');
  });

  it('refuses an expired token', async () => {
    const err = await refused(bearer(await token({ role: 'clerk', exp: now() - 60 })), 'UNAUTHENTICATED');
    assert.match(err.message, /expired/);
  });

  it('refuses a token that is not yet valid', async () => {
    const err = await refused(bearer(await token({ role: 'clerk', nbf: now() + 600 })), 'UNAUTHENTICATED');
    assert.match(err.message, /not yet valid/);
  });

  it('refuses a token without expiry or without subject', async () => {
    await refused(bearer(await token({ role: 'clerk', exp: undefined })), 'UNAUTHENTICATED');
    await refused(bearer(await token({ role: 'clerk', sub: undefined })), 'UNAUTHENTICATED');
    await refused(bearer(await token({ role: 'clerk', sub: '' })), 'UNAUTHENTICATED');
  });

  it('refuses a token of another issuer', async () => {
    await refused(bearer(await token({ role: 'clerk', iss: 'https://evil.test/realm' })), 'UNAUTHENTICATED');
    await refused(bearer(await token({ role: 'clerk', iss: `${ISSUER}/` })), 'UNAUTHENTICATED');
    await refused(bearer(await token({ role: 'clerk', iss: undefined })), 'UNAUTHENTICATED');
  });

  it('refuses a token for another audience', async () => {
    await refused(bearer(await token({ role: 'clerk', aud: 'another-api' })), 'UNAUTHENTICATED');
    await refused(bearer(await token({ role: 'clerk', aud: [] })), 'UNAUTHENTICATED');
    // No aud and a client_id that is not an accepted audience.
    await refused(
      bearer(await token({ role: 'clerk', aud: undefined, client_id: 'ugent-sis' })),
      'UNAUTHENTICATED',
    );
    await refused(bearer(await token({ role: 'clerk', aud: undefined })), 'UNAUTHENTICATED');
  });

  it('refuses an unsigned token (alg none)', async () => {
    const claims = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      role: 'operator',
      iat: now(),
      exp: now() + 600,
    };
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`;
      const err = await refused(bearer(unsigned), 'UNAUTHENTICATED');
      assert.match(err.message, /algorithm|malformed/);
    }
    // …also with a signature part copied from a valid token.
    const signature = (await token({ role: 'clerk' })).split('.')[2];
    await refused(
      bearer(`${b64({ alg: 'none', kid: es.kid })}.${b64(claims)}.${signature}`),
      'UNAUTHENTICATED',
    );
  });

  it('refuses HS256 tokens keyed with the public key (algorithm confusion)', async () => {
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', role: 'operator', exp: now() + 600 };
    const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
    const secrets = [
      // The SPKI PEM of the public keys: the classic RS256 → HS256 attack.
      bytes(await exportSPKI(rs.publicKey)),
      bytes(await exportSPKI(es.publicKey)),
      // …and the published JWKs as JSON.
      bytes(JSON.stringify(rs.publicJwk)),
      bytes(JSON.stringify(es.publicJwk)),
    ];
    for (const secret of secrets) {
      for (const kid of [rs.kid, es.kid, undefined]) {
        const forged = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', ...(kid ? { kid } : {}) })
          .sign(secret);
        const err = await refused(bearer(forged), 'UNAUTHENTICATED');
        assert.match(err.message, /algorithm/);
      }
    }
  });

  it('refuses a token signed by another key', async () => {
    // Unknown kid: no key of the issuer matches.
    await refused(bearer(await token({ role: 'operator' }, stranger)), 'UNAUTHENTICATED');
    // Our kid, someone else's key: the signature does not verify.
    const err = await refused(bearer(await token({ role: 'operator' }, stranger, es.kid)), 'UNAUTHENTICATED');
    assert.match(err.message, /signature/);
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await token({ role: 'clerk' })).split('.');
    const payload = b64({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', role: 'operator', exp: now() + 600 });
    await refused(bearer(`${header}.${payload}.${signature}`), 'UNAUTHENTICATED');
  });
});

describe('TokenVerifier refuses authenticated callers without a usable role with 403', () => {
  it('refuses a token with an unknown role', async () => {
    await refused(bearer(await token({ role: 'janitor' })), 'FORBIDDEN');
    await refused(bearer(await token({ role: ['operator'] })), 'FORBIDDEN');
    await refused(bearer(await token({ role: 'janitor', 'cognito:groups': ['operator'] })), 'FORBIDDEN');
  });

  it('refuses a token without any role', async () => {
    await refused(bearer(await token({})), 'FORBIDDEN');
    await refused(bearer(await token({ 'cognito:groups': ['admins'] })), 'FORBIDDEN');
    await refused(bearer(await token({ scope: 'ruling-intake/clerk openid' })), 'FORBIDDEN');
  });

  it('refuses an institution principal without a known institution code', async () => {
    // No institution at all.
    await refused(bearer(await token({ role: 'institution' })), 'FORBIDDEN');
    // A code that is not in the register.
    await refused(bearer(await token({ role: 'institution', institution: 'HOGWARTS' })), 'FORBIDDEN');
    await refused(bearer(await token({ role: 'institution', institution: 'ugent' })), 'FORBIDDEN');
    await refused(bearer(await token({ role: 'institution', institution: 42 })), 'FORBIDDEN');
    // A machine client that is not in the mapping.
    await refused(bearer(await token({ client_id: 'unknown-sis', scope: INSTITUTION_SCOPE })), 'FORBIDDEN');
  });

  it('refuses an institution claim that contradicts the client mapping', async () => {
    await refused(
      bearer(await token({ role: 'institution', institution: 'KUL', client_id: 'ugent-sis' })),
      'FORBIDDEN',
    );
  });
});

describe('TokenVerifier configuration', () => {
  it('refuses symmetric and unsigned algorithms in the allow-list', () => {
    for (const algorithms of [['HS256'], ['RS256', 'none'], []]) {
      assert.throws(
        () => new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, algorithms }),
        /algorithms/,
      );
    }
  });

  it('refuses a client mapping to an institution that is not in the register', () => {
    assert.throws(
      () =>
        new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, clientInstitutions: { sis: 'NOPE' } }),
      /not in the institution register/,
    );
  });

  it('honours a narrower algorithm allow-list', async () => {
    const esOnly = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, algorithms: ['ES256'] });
    assert.equal((await esOnly.verify(bearer(await token({ role: 'clerk' })))).role, 'clerk');
    await refused(bearer(await token({ role: 'clerk' }, rs)), 'UNAUTHENTICATED', esOnly);
  });

  it('reads issuer, audiences, JWKS URL and client mapping from the environment', () => {
    const env = {
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: 'a, b',
      AUTH_JWKS_URL: 'https://idp.test/realm/jwks.json',
      AUTH_CLIENT_INSTITUTIONS: JSON.stringify(CLIENTS),
    };
    assert.ok(TokenVerifier.fromEnv(env) instanceof TokenVerifier);
    assert.throws(() => TokenVerifier.fromEnv({ ...env, AUTH_ISSUER: '' }), /AUTH_ISSUER is not set/);
    assert.throws(() => TokenVerifier.fromEnv({ ...env, AUTH_JWKS_URL: 'not a url' }), /AUTH_JWKS_URL/);
    assert.throws(
      () => TokenVerifier.fromEnv({ ...env, AUTH_CLIENT_INSTITUTIONS: '{' }),
      /AUTH_CLIENT_INSTITUTIONS/,
    );
    assert.throws(
      () => TokenVerifier.fromEnv({ ...env, AUTH_CLIENT_INSTITUTIONS: '["UGENT"]' }),
      /JSON object/,
    );
  });

  it('maps claims without verification for callers that already verified them', () => {
    assert.deepEqual(principalFromClaims({ sub: 's', role: 'institution', institution: 'VUB' }), {
      sub: 's',
      role: 'institution',
      institution: 'VUB',
    });
  });
});
