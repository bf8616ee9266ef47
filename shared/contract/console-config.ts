/**
 * What the console reads from `/config.json`, and nothing else about its environment: written by
 * the CDK stack (infra/constructs/console-deployment.ts) and the local stack (infra/local/console.ts),
 * read by the console (web/src/auth.ts). Types only and import-free, so the console type-checks
 * without Node's types.
 */
export interface ConsoleConfig {
  /** OpenID issuer; the console reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** Public OAuth client (authorization code + PKCE, no secret). */
  readonly clientId: string;
  /** Base URL of the API (`/v1` is appended); empty: the console's own origin. */
  readonly apiUrl: string;
  /** The scopes the console asks for. */
  readonly scope: string;
  /** Shown in the header, e.g. `local`. */
  readonly environment?: string;
  /** Optional: the endpoints themselves, when the issuer's discovery document is not to be fetched. */
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
}
