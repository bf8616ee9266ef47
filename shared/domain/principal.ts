/** Who is calling: established from a verified bearer token (OpenID Connect), never from input. */
export const ROLES = ['clerk', 'institution', 'auditor', 'operator', 'student'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The token's subject (a user id or a machine client id). */
  readonly sub: string;
  readonly role: Role;
  /** Institution code from the register, for the `institution` role only. */
  readonly institution?: string;
  /**
   * The student's own national number (11 digits, check digits valid), for the `student` role
   * only: from the issuer's configured claim, never from request input. Never logged.
   */
  readonly nationalNumber?: string;
  /** The OAuth client the token was issued to, when the issuer says. */
  readonly clientId?: string;
}
