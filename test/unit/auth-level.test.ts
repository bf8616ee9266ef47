/**
 * With an external issuer (ACM/IDM) the protocol requires authentication level 25–35 and
 * multi-factor: a person's token must carry a configured `acr` and an `amr` with a configured
 * method, or the API answers 401 with a message that names what is missing. The institutions'
 * machine clients (client credentials, no person) are exempt.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { AuthError, TokenVerifier } from '../../shared/auth/verify.js';
import { ENV } from '../../shared/config/resources.js';

const ISSUER = 'https://idm.test/op';
const AUDIENCE = 'ruling-intake-api';
const ACR = ['urn:acm:niveau25', 'urn:acm:niveau35'];
let key: CryptoKey;
let verifier: TokenVerifier;

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  verifier = new TokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [jwk] },
    clientInstitutions: { 'ugent-sis': 'UGENT' },
    requiredAuthentication: { acr: ACR, amr: ['mfa'] },
  });
});

const token = (claims: JWTPayload): Promise<string> =>
  new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'p1',
    role: 'clerk',
    exp: Math.floor(Date.now() / 1000) + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .sign(key);

async function refusal(claims: JWTPayload): Promise<AuthError> {
  try {
    await verifier.verify(`Bearer ${await token(claims)}`);
  } catch (e) {
    assert.ok(e instanceof AuthError, String(e));
    return e;
  }
  assert.fail('accepted');
}

describe('required authentication level (acr) and multi-factor (amr)', () => {
  it('accepts a person at a required level with MFA', async () => {
    const p = await verifier.verify(`Bearer ${await token({ acr: ACR[0], amr: ['pwd', 'mfa'] })}`);
    assert.equal(p.role, 'clerk');
  });

  it('refuses a token without acr: 401, and the message names acr and the levels required', async () => {
    const e = await refusal({ amr: ['mfa'] });
    assert.equal(e.status, 401);
    assert.match(e.publicMessage!.en, /authentication level \(acr\)/);
    assert.match(e.publicMessage!.en, /urn:acm:niveau25/);
    assert.match(e.publicMessage!.nl, /acr/);
  });

  it('refuses a lower level: 401 naming the level found', async () => {
    const e = await refusal({ acr: 'urn:acm:niveau15', amr: ['mfa'] });
    assert.equal(e.status, 401);
    assert.match(e.publicMessage!.en, /urn:acm:niveau15/);
  });

  it('refuses a token without multi-factor: 401 naming amr', async () => {
    for (const amr of [undefined, ['pwd']]) {
      const e = await refusal({ acr: ACR[1], ...(amr ? { amr } : {}) });
      assert.equal(e.status, 401);
      assert.match(e.publicMessage!.en, /amr does not include mfa/);
    }
  });

  it("exempts the institutions' machine clients (no person signs in)", async () => {
    const p = await verifier.verify(
      `Bearer ${await token({ role: undefined, sub: 'ugent-sis', client_id: 'ugent-sis', scope: 'ruling-intake/institution' })}`,
    );
    assert.equal(p.institution, 'UGENT');
  });

  it('reads the requirement from AUTH_REQUIRED_ACR and AUTH_REQUIRED_AMR; without them nothing is required', async () => {
    const env = {
      [ENV.authIssuer]: ISSUER,
      [ENV.authAudience]: AUDIENCE,
      [ENV.authJwksUrl]: 'https://idm.test/jwks',
    };
    const strict = TokenVerifier.fromEnv({
      ...env,
      [ENV.authRequiredAcr]: ACR.join(','),
      [ENV.authRequiredAmr]: 'mfa',
    });
    assert.deepEqual((strict as unknown as { requiredAcr: string[] }).requiredAcr, ACR);
    assert.deepEqual((strict as unknown as { requiredAmr: string[] }).requiredAmr, ['mfa']);
    const lax = TokenVerifier.fromEnv(env);
    assert.deepEqual((lax as unknown as { requiredAcr: string[] }).requiredAcr, []);
  });
});
