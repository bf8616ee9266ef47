/** Who is calling: established from a verified bearer token (OpenID Connect), never from input. */
export const ROLES = ['clerk', 'institution', 'auditor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The token's subject (a user id or a machine client id). */
  readonly sub: string;
  readonly role: Role;
  /** Institution code from the register, for the `institution` role only. */
  readonly institution?: string;
  /** The OAuth client the token was issued to, when the issuer says. */
  readonly clientId?: string;
}
