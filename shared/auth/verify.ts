/**
 * Bearer-token verification (OpenID Connect access tokens, verified with `jose`).
 *
 * API Gateway's JWT authorizer checks every request first; the functions call `TokenVerifier`
 * again themselves (defence in depth), so the same rules hold on the laptop, where there is no
 * authorizer in front. Errors never carry the token, nor any claim value taken from it.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ENV } from '../config/resources.js';
import { defaultRegister } from '../domain/institutions.js';
import type { InstitutionRegister } from '../domain/institutions.js';
import { ROLES } from '../domain/principal.js';
import { checkNationalNumber } from '../domain/national-number.js';
import type { Principal, Role } from '../domain/principal.js';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

/**
 * The caller is not authenticated (`UNAUTHENTICATED` → HTTP 401: no, malformed, forged or expired
 * token) or is authenticated but not allowed in (`FORBIDDEN` → HTTP 403: no known role, or an
 * institution principal without a known institution). The message names the check that failed,
 * never the token.
 */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  /** What the caller is told (Dutch and English), when more than the generic message helps. */
  readonly publicMessage?: { readonly nl: string; readonly en: string };

  constructor(code: AuthErrorCode, message: string, publicMessage?: { nl: string; en: string }) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    if (publicMessage) this.publicMessage = publicMessage;
  }

  get status(): 401 | 403 {
    return this.code === 'UNAUTHENTICATED' ? 401 : 403;
  }

  /** The `WWW-Authenticate` header value for a response to this error (RFC 6750). */
  get wwwAuthenticate(): string {
    return this.code === 'UNAUTHENTICATED'
      ? 'Bearer error="invalid_token"'
      : 'Bearer error="insufficient_scope"';
  }
}

/**
 * The issuer's signing keys could not be fetched (JWKS endpoint down, slow or answering garbage).
 * Not the caller's fault: map it to 503, never to "your token is fine". Fails closed either way.
 */
export class AuthUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the token issuer's signing keys are unavailable", { cause });
    this.name = 'AuthUnavailableError';
  }
}

/** OAuth scope a machine client of an institution is granted (Cognito resource server `ruling-intake`). */
export const INSTITUTION_SCOPE = 'ruling-intake/institution';

/** Group precedence when a Cognito user is in several role groups. */
const GROUP_PRECEDENCE: readonly Role[] = ['clerk', 'auditor', 'operator', 'institution', 'student'];

/** The claim a student's national number is read from unless configured otherwise. */
export const DEFAULT_STUDENT_NUMBER_CLAIM = 'national_number';

export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'ES256'];

/** Asymmetric JWS algorithms a JWKS can carry keys for; anything else is refused at construction. */
const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** A token larger than this is refused before any parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;

export interface TokenVerifierOptions {
  /** Expected `iss`, exactly (e.g. `https://cognito-idp.eu-west-1.amazonaws.com/<poolId>`). */
  readonly issuer: string;
  /** Accepted audiences (`aud`, or Cognito's `client_id` when the token has no `aud`). */
  readonly audience: string | readonly string[];
  /** The issuer's JWKS: its URL (fetched and cached per process) or the key set itself. */
  readonly jwks: URL | JSONWebKeySet;
  /** OAuth client id → institution code, for machine clients of institutions. */
  readonly clientInstitutions?: Readonly<Record<string, string>>;
  /** Accepted JWS algorithms; asymmetric only. Default `['RS256', 'ES256']`. */
  readonly algorithms?: readonly string[];
  /** Allowed clock skew for `exp`/`nbf`, in seconds. Default 5. */
  readonly clockToleranceSec?: number;
  /** Institution register the institution codes must be in. Default: the shipped register. */
  readonly register?: InstitutionRegister;
  /**
   * The authentication a person's token must prove (an external issuer such as ACM/IDM: level
   * 25–35, multi-factor): `acr` one of `acr`, and `amr` containing one of `amr`. Tokens of the
   * institutions' machine clients (`clientInstitutions`) have no person and are exempt.
   */
  readonly requiredAuthentication?: { readonly acr?: readonly string[]; readonly amr?: readonly string[] };
  /** The claim carrying a student's national number (default `national_number`; ACM/IDM: e.g. `rrn`). */
  readonly studentNumberClaim?: string;
}

/** Remote key sets, one per JWKS URL per process: fetched on first use (cold start), then cached by jose. */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function remoteKeySet(url: URL): JWTVerifyGetKey {
  let keySet = remoteKeySets.get(url.href);
  if (!keySet) {
    keySet = createRemoteJWKSet(url);
    remoteKeySets.set(url.href, keySet);
  }
  return keySet;
}

/** jose error codes that mean "this token is not acceptable" (everything else is an issuer/key problem). */
const TOKEN_ERRORS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'token expired',
  ERR_JWS_INVALID: 'token is malformed',
  ERR_JWT_INVALID: 'token is malformed',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'token signature is invalid',
  ERR_JOSE_ALG_NOT_ALLOWED: 'token algorithm is not allowed',
  ERR_JOSE_NOT_SUPPORTED: 'token algorithm is not allowed',
  ERR_JWKS_NO_MATCHING_KEY: 'token is not signed by a key of the issuer',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'token signature is invalid',
};

const unauthenticated = (message: string): AuthError => new AuthError('UNAUTHENTICATED', message);
const forbidden = (message: string): AuthError => new AuthError('FORBIDDEN', message);

export class TokenVerifier {
  private readonly issuer: string;
  private readonly audiences: ReadonlySet<string>;
  private readonly getKey: JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly clockToleranceSec: number;
  private readonly clientInstitutions: ReadonlyMap<string, string>;
  private readonly register: InstitutionRegister;
  private readonly requiredAcr: readonly string[];
  private readonly requiredAmr: readonly string[];
  private readonly studentNumberClaim: string;

  constructor(options: TokenVerifierOptions) {
    if (!options.issuer) throw new Error('TokenVerifier: issuer is required');
    this.issuer = options.issuer;
    const audiences = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
    if (audiences.length === 0 || audiences.some((a) => !a))
      throw new Error('TokenVerifier: audience is required');
    this.audiences = new Set(audiences);
    this.algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
    // Only asymmetric algorithms: `none` and HMAC (HS256 keyed with the public key) can never be allowed.
    const refused = this.algorithms.filter((alg) => !ASYMMETRIC_ALGORITHMS.has(alg));
    if (this.algorithms.length === 0 || refused.length > 0) {
      throw new Error(
        `TokenVerifier: algorithms must be asymmetric JWS algorithms (refused: ${refused.join(', ')})`,
      );
    }
    this.clockToleranceSec = options.clockToleranceSec ?? 5;
    this.register = options.register ?? defaultRegister;
    this.clientInstitutions = new Map(Object.entries(options.clientInstitutions ?? {}));
    for (const [clientId, code] of this.clientInstitutions) {
      if (!this.register.byInstitutionCode(code)) {
        throw new Error(
          `TokenVerifier: client ${clientId} is mapped to ${code}, which is not in the institution register`,
        );
      }
    }
    this.requiredAcr = [...(options.requiredAuthentication?.acr ?? [])];
    this.requiredAmr = [...(options.requiredAuthentication?.amr ?? [])];
    this.studentNumberClaim = options.studentNumberClaim ?? DEFAULT_STUDENT_NUMBER_CLAIM;
    this.getKey = options.jwks instanceof URL ? remoteKeySet(options.jwks) : createLocalJWKSet(options.jwks);
  }

  /**
   * From `AUTH_ISSUER`, `AUTH_AUDIENCE` (comma-separated for several), `AUTH_JWKS_URL` and the
   * optional `AUTH_CLIENT_INSTITUTIONS` (JSON object client id → institution code).
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): TokenVerifier {
    const required = (name: string): string => {
      const value = env[name]?.trim();
      if (!value) throw new Error(`${name} is not set`);
      return value;
    };
    const issuer = required(ENV.authIssuer);
    const audience = required(ENV.authAudience)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const jwksUrl = required(ENV.authJwksUrl);
    let jwks: URL;
    try {
      jwks = new URL(jwksUrl);
    } catch {
      throw new Error(`${ENV.authJwksUrl} is not a URL`);
    }
    let clientInstitutions: Record<string, string> | undefined;
    const mapping = env[ENV.authClientInstitutions]?.trim();
    if (mapping) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(mapping);
      } catch {
        throw new Error(`${ENV.authClientInstitutions} is not valid JSON`);
      }
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        Array.isArray(parsed) ||
        !Object.values(parsed).every((v) => typeof v === 'string')
      ) {
        throw new Error(
          `${ENV.authClientInstitutions} must be a JSON object of client id → institution code`,
        );
      }
      clientInstitutions = parsed as Record<string, string>;
    }
    const csv = (name: string) =>
      (env[name] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    const acr = csv(ENV.authRequiredAcr);
    const amr = csv(ENV.authRequiredAmr);
    const studentNumberClaim = env[ENV.authStudentNumberClaim]?.trim();
    return new TokenVerifier({
      ...(studentNumberClaim ? { studentNumberClaim } : {}),
      issuer,
      audience,
      jwks,
      clientInstitutions,
      ...(acr.length || amr.length ? { requiredAuthentication: { acr, amr } } : {}),
    });
  }

  /**
   * The principal of a request, from its `Authorization` header. Throws `AuthError`
   * (`UNAUTHENTICATED` or `FORBIDDEN`), or `AuthUnavailableError` when the issuer's keys cannot be fetched.
   */
  async verify(authorizationHeader: string | undefined): Promise<Principal> {
    const token = bearerToken(authorizationHeader);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        // `iss` must equal the configured issuer exactly.
        issuer: this.issuer,
        // The signature algorithm must be on the allow-list (checked before any key is looked up),
        // so `alg: none` and HS256 signed with the public key's bytes are refused outright.
        algorithms: this.algorithms,
        // `exp` is in the future and `nbf` (if present) in the past, with a small clock skew.
        clockTolerance: this.clockToleranceSec,
        // A token without expiry or subject is not accepted.
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (e) {
      throw classify(e);
    }
    // The audience: `aud` names us; a token without `aud` (a Cognito access token) must then have
    // been issued to one of our clients (`client_id`) — the rule API Gateway's JWT authorizer applies.
    if (!this.audienceMatches(payload)) throw unauthenticated('token audience is not accepted');
    // The subject: a non-empty string (a user id, or the client id of a machine client).
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw unauthenticated('token subject is missing');
    }
    this.checkAuthenticationLevel(payload);
    return principalFromClaims(payload, {
      clientInstitutions: this.clientInstitutions,
      register: this.register,
      studentNumberClaim: this.studentNumberClaim,
    });
  }

  /** The required `acr` and `amr` of a person's token; a 401 naming what is missing. */
  private checkAuthenticationLevel(payload: JWTPayload): void {
    if (this.requiredAcr.length === 0 && this.requiredAmr.length === 0) return;
    const clientId = stringClaim(payload, 'client_id') ?? stringClaim(payload, 'azp');
    if (clientId !== undefined && this.clientInstitutions.has(clientId)) return; // a machine client
    const acr = payload['acr'];
    if (this.requiredAcr.length > 0 && !(typeof acr === 'string' && this.requiredAcr.includes(acr))) {
      const wanted = this.requiredAcr.join(', ');
      throw new AuthError(
        'UNAUTHENTICATED',
        acr === undefined ? 'token has no acr claim' : 'token acr is below the required level',
        {
          nl: `Meld u opnieuw aan met een sterker aanmeldmiddel: het toegangstoken ${acr === undefined ? 'vermeldt geen authenticatieniveau (acr)' : `heeft authenticatieniveau (acr) ${String(acr)}`}; vereist is ${wanted}.`,
          en: `Sign in again with a stronger method: the access token ${acr === undefined ? 'has no authentication level (acr)' : `has authentication level (acr) ${String(acr)}`}; required is ${wanted}.`,
        },
      );
    }
    const amr = payload['amr'];
    const methods = Array.isArray(amr) ? amr : [];
    if (this.requiredAmr.length > 0 && !this.requiredAmr.some((m) => methods.includes(m))) {
      const wanted = this.requiredAmr.join(' or ');
      throw new AuthError('UNAUTHENTICATED', 'token amr lacks the required method', {
        nl: `Meld u opnieuw aan met meervoudige authenticatie: het toegangstoken vermeldt ${wanted} niet in amr.`,
        en: `Sign in again with multi-factor authentication: the access token's amr does not include ${wanted}.`,
      });
    }
  }

  private audienceMatches(payload: JWTPayload): boolean {
    const { aud } = payload;
    if (aud === undefined) {
      const clientId = payload['client_id'];
      return typeof clientId === 'string' && this.audiences.has(clientId);
    }
    const list: unknown[] = Array.isArray(aud) ? aud : [aud];
    return list.some((a) => typeof a === 'string' && this.audiences.has(a));
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235). */
function bearerToken(header: string | undefined): string {
  // A missing or empty header: no credentials at all.
  if (header === undefined || header.trim() === '') throw unauthenticated('missing bearer token');
  // Only the Bearer scheme: no Basic, no bare token.
  const [, scheme, credentials = ''] = /^(\S+)(?: +(.*))?$/s.exec(header.trim()) ?? [];
  if (scheme?.toLowerCase() !== 'bearer') throw unauthenticated('authorization is not a bearer token');
  // An oversized token is refused before it is parsed.
  if (credentials.length > MAX_TOKEN_LENGTH) throw unauthenticated('token is too large');
  // Three base64url parts (JWS compact serialization); a JWE or anything else is refused.
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credentials)) {
    throw unauthenticated('token is malformed');
  }
  return credentials;
}

/** jose's verdict as an AuthError (without jose's message or payload), or a key-availability error. */
function classify(e: unknown): Error {
  if (e instanceof AuthError) return e;
  if (e instanceof errors.JWTClaimValidationFailed) {
    // e.g. `iss` differs, `nbf` in the future, `exp`/`sub` missing: name the claim, not its value.
    return unauthenticated(
      e.reason === 'check_failed' && e.claim === 'nbf'
        ? 'token is not yet valid'
        : `token claim "${e.claim}" is missing or invalid`,
    );
  }
  if (e instanceof errors.JOSEError) {
    const message = TOKEN_ERRORS[e.code];
    if (message) return unauthenticated(message);
  }
  return new AuthUnavailableError(e);
}

export interface ClaimMappingOptions {
  readonly clientInstitutions?: ReadonlyMap<string, string>;
  readonly register?: InstitutionRegister;
  /** The claim carrying a student's national number (default `national_number`). */
  readonly studentNumberClaim?: string;
}

/**
 * Maps verified claims to a principal.
 *
 * Role, first rule that applies:
 *  1. a `role` claim (must be one of the known roles; an unknown value is refused, not skipped);
 *  2. Cognito's `cognito:groups`: the first of clerk, auditor, operator, institution the user is in;
 *  3. a `scope` containing `ruling-intake/institution` (machine clients of institutions).
 * Institution (institution role only): the `institution` claim, or the client id (`client_id`, else
 * `azp`) through the client → institution mapping; both present must agree; the code must be in
 * the register.
 */
export function principalFromClaims(claims: JWTPayload, options: ClaimMappingOptions = {}): Principal {
  const register = options.register ?? defaultRegister;
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw unauthenticated('token subject is missing');
  const clientId = stringClaim(claims, 'client_id') ?? stringClaim(claims, 'azp');
  const role = roleOf(claims);
  if (role === 'student') {
    const nationalNumber = studentNumberOf(
      claims,
      options.studentNumberClaim ?? DEFAULT_STUDENT_NUMBER_CLAIM,
    );
    return { sub, role, nationalNumber, ...(clientId ? { clientId } : {}) };
  }
  if (role !== 'institution') return { sub, role, ...(clientId ? { clientId } : {}) };

  const claimed = claims['institution'];
  if (claimed !== undefined && typeof claimed !== 'string') throw forbidden('institution claim is invalid');
  const mapped = clientId ? options.clientInstitutions?.get(clientId) : undefined;
  // The claim and the client mapping must not name two different institutions.
  if (claimed !== undefined && mapped !== undefined && claimed !== mapped) {
    throw forbidden('institution claim contradicts the client mapping');
  }
  const institution = claimed ?? mapped;
  // An institution principal must be tied to an institution of the register.
  if (!institution) throw forbidden('institution principal has no institution code');
  if (!register.byInstitutionCode(institution)) throw forbidden('institution code is not in the register');
  return { sub, role, institution, ...(clientId ? { clientId } : {}) };
}

/**
 * A student's national number from the configured claim: present and with valid check digits, else
 * 403 with a clear message. Neither the message nor the error names the value.
 */
function studentNumberOf(claims: JWTPayload, claim: string): string {
  const value = claims[claim];
  const c = typeof value === 'string' ? checkNationalNumber(value) : undefined;
  if (c?.valid && c.digits) return c.digits;
  throw new AuthError(
    'FORBIDDEN',
    value === undefined ? 'student token has no national number claim' : 'student national number is invalid',
    value === undefined
      ? {
          nl: `Uw aanmelding vermeldt geen rijksregisternummer (claim ${claim}): zo kunnen we uw dossier niet tonen.`,
          en: `Your sign-in carries no national register number (claim ${claim}): your record cannot be shown.`,
        }
      : {
          nl: `Het rijksregisternummer in uw aanmelding (claim ${claim}) is geen geldig nummer: zo kunnen we uw dossier niet tonen.`,
          en: `The national register number in your sign-in (claim ${claim}) is not a valid number: your record cannot be shown.`,
        },
  );
}

function roleOf(claims: JWTPayload): Role {
  const role = claims['role'];
  if (role !== undefined) {
    if (isRole(role)) return role;
    throw forbidden('token role is not known');
  }
  const groups = claims['cognito:groups'];
  if (groups !== undefined) {
    const list = Array.isArray(groups) ? groups : [groups];
    const found = GROUP_PRECEDENCE.find((r) => list.includes(r));
    if (found) return found;
  }
  const scope = claims['scope'];
  if (typeof scope === 'string' && scope.split(' ').includes(INSTITUTION_SCOPE)) return 'institution';
  throw forbidden('token carries no known role');
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

function stringClaim(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
