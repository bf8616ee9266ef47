/**
 * Who may call the API (stateful): by default a Cognito user pool — people in the role groups,
 * signing in through the managed login with TOTP MFA (console client: authorization code + PKCE),
 * and one confidential machine client per institution of the register (client credentials, scope
 * `ruling-intake/institution`). With `oidcIssuer` in the context there is no user pool at all: the
 * API and the functions trust that issuer (e.g. the Flemish government's ACM/IDM) instead.
 *
 * Either way the result is `AuthSettings`, what the JWT authorizer, the functions' `AUTH_*`
 * variables and the console's `config.json` are made of. No cycle: the clients depend on the pool
 * and the console's URL only, the functions on the clients, the authorizer on both — nothing here
 * depends on a function. The console client calls back to `<console URL>callback` (the route the
 * web console finishes its sign-in on) for the CloudFront URL and any `consoleUrls` of the context.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction } from './app-function.js';
import { ROLES, type Role } from '../../shared/domain/principal.js';
import { INSTITUTION_SCOPE } from '../../shared/auth/verify.js';
import { SERVICE_NAME } from '../../shared/config/resources.js';
import { defaultRegister } from '../../shared/domain/institutions.js';
import type { ExternalIssuer } from '../config.js';
import { cognitoDomainPrefix } from '../naming.js';

/** The route of the web console that completes the sign-in (web/src/auth.ts `CALLBACK_PATH`). */
export const CONSOLE_CALLBACK_PATH = '/callback';

/** The scopes the console asks for (its `config.json` names them). */
export const CONSOLE_SCOPES = ['openid', 'email', 'profile'] as const;

/** API Gateway accepts at most 50 audiences per JWT authorizer (not adjustable). */
export const MAX_AUDIENCES = 50;

export interface AuthSettings {
  /** Expected `iss` (the Cognito pool's provider URL, or the external issuer). */
  readonly issuer: string;
  /** Accepted audiences / client ids (values may be tokens; in the app stack a list token). */
  readonly audiences: readonly string[];
  /** The same audiences, comma-separated (the functions' variable). */
  readonly audienceList: string;
  readonly jwksUrl: string;
  /** JSON object client id → institution code (a string that may contain tokens). */
  readonly clientInstitutionsJson: string;
  /** The console's public client (authorization code + PKCE). */
  readonly consoleClientId: string;
  /** Required `acr` / `amr` of a person's token (external issuer only; Cognito requires MFA itself). */
  readonly requiredAcr?: readonly string[];
  readonly requiredAmr?: readonly string[];
  /** The claim carrying a student's national number (external issuer; default `national_number`). */
  readonly studentNumberClaim?: string;
}

export const PRE_TOKEN_ENTRY = join(PROJECT_ROOT, 'functions/pre-token/handler.ts');

/**
 * The user pool's custom attribute holding a person's institution code (`custom:institution`):
 * set by an administrator only (AdminUpdateUserAttributes); no app client may write it.
 */
export const INSTITUTION_ATTRIBUTE_NAME = 'institution';

export interface IdentityProps {
  readonly environment: string;
  /** Encrypts the pre-token trigger's log group (the data key). */
  readonly logKey: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
  /**
   * Base URLs (ending in `/`) the console is served at: the CloudFront URL and any extra ones of
   * the context. Each gets `<url>callback` as a callback URL and `<url>` as a logout URL.
   */
  readonly consoleUrls: readonly string[];
  /** When set, no user pool is created and this issuer is trusted. */
  readonly externalIssuer?: ExternalIssuer;
  /** The institutions that get a machine client (default: every institution of the register). */
  readonly institutionCodes?: readonly string[];
  /**
   * Institution code → generation of its client. A new generation is a new construct id, so
   * CloudFormation creates a new client (new id and secret) and deletes the old one: rotation.
   */
  readonly clientGenerations?: Readonly<Record<string, number>>;
}

/**
 * The Cognito groups. No `student` group: a student's token must carry their national number,
 * which only an external issuer (ACM/IDM, `oidcStudentNumberClaim`) vouches for.
 */
const ROLE_GROUPS: Readonly<Record<Exclude<Role, 'student'>, string>> = {
  clerk: 'DBRC clerks: upload extracts and follow their own uploads',
  institution: 'Institution staff (needs an institution claim; machine clients are preferred)',
  auditor: 'Auditors and the data-protection officer: the access log and subject reports',
  operator: 'AHOVOKS operators: intake switch, held extracts, imports',
};

const pascal = (s: string) =>
  s.charAt(0).toUpperCase() +
  s
    .slice(1)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

export class Identity extends Construct {
  readonly settings: AuthSettings;
  readonly userPool?: cognito.UserPool;
  readonly domain?: cognito.UserPoolDomain;
  readonly consoleClient?: cognito.UserPoolClient;
  /** Institution code → its machine client (Cognito only). */
  readonly institutionClients: ReadonlyMap<string, cognito.UserPoolClient>;
  /** Adds a person's institution claim to the tokens (Cognito only). */
  readonly preToken?: AppFunction;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    if (props.externalIssuer) {
      const ext = props.externalIssuer;
      if (ext.audiences.length > MAX_AUDIENCES) {
        throw new Error(
          `oidcAudience: at most ${MAX_AUDIENCES} audiences (API Gateway JWT authorizer limit)`,
        );
      }
      this.settings = {
        issuer: ext.issuer,
        audiences: ext.audiences,
        audienceList: ext.audiences.join(','),
        jwksUrl: ext.jwksUrl,
        clientInstitutionsJson: JSON.stringify(ext.clientInstitutions),
        consoleClientId: ext.consoleClientId,
        requiredAcr: ext.requiredAcr,
        requiredAmr: ext.requiredAmr,
        ...(ext.studentNumberClaim ? { studentNumberClaim: ext.studentNumberClaim } : {}),
      };
      this.institutionClients = new Map();
      return;
    }

    const consoleUrls = props.consoleUrls.map((u) => (u.endsWith('/') ? u : `${u}/`));
    const pool = new cognito.UserPool(this, 'Users', {
      userPoolName: `${SERVICE_NAME}-${props.environment}`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        [INSTITUTION_ATTRIBUTE_NAME]: new cognito.StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 12,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Threat protection (compromised credentials, adaptive authentication): the Plus plan, billed
      // per monthly active user — a few dozen people here; machine clients are not MAUs.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool = pool;

    // People of an institution: the institution claim from `custom:institution` (V2: ID and access token).
    this.preToken = new AppFunction(this, 'PreToken', {
      environment: props.environment,
      name: 'pre-token',
      entry: PRE_TOKEN_ENTRY,
      description: 'Cognito pre-token generation: the institution claim of a person',
      logKey: props.logKey,
      memorySize: 256,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    pool.addTrigger(
      cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preToken.function,
      cognito.LambdaVersion.V2_0,
    );
    // What app clients may write: never the institution (only AdminUpdateUserAttributes sets it).
    const writeAttributes = new cognito.ClientAttributes().withStandardAttributes({ email: true });

    ROLES.filter((r): r is Exclude<Role, 'student'> => r !== 'student').forEach((role, precedence) =>
      pool.addGroup(`${pascal(role)}Group`, { groupName: role, description: ROLE_GROUPS[role], precedence }),
    );

    // The managed login and the token endpoint (client credentials) live on the pool's domain.
    this.domain = pool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: cognitoDomainPrefix(this, props.environment) },
    });

    const [identifier, scopeName] = INSTITUTION_SCOPE.split('/') as [string, string];
    const institutionScope = new cognito.ResourceServerScope({
      scopeName,
      scopeDescription: 'Consult learning credit and declare enrolments for the calling institution',
    });
    const resourceServer = pool.addResourceServer('ResourceServer', {
      identifier,
      userPoolResourceServerName: SERVICE_NAME,
      scopes: [institutionScope],
    });

    // People: authorization code with PKCE from the console; no secret (a browser cannot keep one).
    this.consoleClient = pool.addClient('ConsoleClient', {
      userPoolClientName: 'console',
      generateSecret: false,
      writeAttributes,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: CONSOLE_SCOPES.map((s) => cognito.OAuthScope.custom(s)),
        callbackUrls: consoleUrls.map((u) => `${u}${CONSOLE_CALLBACK_PATH.slice(1)}`),
        logoutUrls: consoleUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(8),
    });

    // Machines: one confidential client per institution, client credentials only.
    const clients = new Map<string, cognito.UserPoolClient>();
    const codes = props.institutionCodes ?? defaultRegister.institutions.map((i) => i.code);
    for (const institution of codes.map((code) => ({ code }))) {
      const generation = props.clientGenerations?.[institution.code] ?? 1;
      const suffix = generation > 1 ? String(generation) : '';
      const client = pool.addClient(`Institution${pascal(institution.code)}Client${suffix}`, {
        userPoolClientName: `institution-${institution.code.toLowerCase()}`,
        generateSecret: true,
        writeAttributes,
        oAuth: {
          flows: { clientCredentials: true },
          scopes: [cognito.OAuthScope.resourceServer(resourceServer, institutionScope)],
        },
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.minutes(60),
      });
      // No user sign-in flows on a machine client (CloudFormation's default would allow SRP and custom auth).
      (client.node.defaultChild as cognito.CfnUserPoolClient).explicitAuthFlows = [
        'ALLOW_REFRESH_TOKEN_AUTH',
      ];
      clients.set(institution.code, client);
    }
    this.institutionClients = clients;

    const audiences = [
      this.consoleClient.userPoolClientId,
      ...[...clients.values()].map((c) => c.userPoolClientId),
    ];
    if (audiences.length > MAX_AUDIENCES) {
      throw new Error(
        `${audiences.length} app clients exceed the ${MAX_AUDIENCES} audiences of an API Gateway JWT authorizer`,
      );
    }
    // Client ids are [a-z0-9] (no escaping needed, and they are tokens until deploy time).
    const pairs = [...clients].map(
      ([code, client]) => `"${client.userPoolClientId}":${JSON.stringify(code)}`,
    );
    this.settings = {
      issuer: pool.userPoolProviderUrl,
      audiences,
      audienceList: audiences.join(','),
      jwksUrl: `${pool.userPoolProviderUrl}/.well-known/jwks.json`,
      clientInstitutionsJson: `{${pairs.join(',')}}`,
      consoleClientId: this.consoleClient.userPoolClientId,
    };
  }
}
