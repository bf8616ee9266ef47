/**
 * The institution claim of a Cognito person (pre-token-generation trigger, V2): read from the
 * user's `custom:institution` attribute — which no app client may write, only an administrator
 * (AdminUpdateUserAttributes) — and added to the ID and access token only when the code is in
 * the institution register. An unknown or missing code adds nothing (the API then refuses the
 * institution role without an institution).
 */
import { defaultRegister, type InstitutionRegister } from '../domain/institutions.js';

/** The user attribute an administrator sets (the pool's custom attribute `institution`). */
export const INSTITUTION_ATTRIBUTE = 'custom:institution';

/** The claim the token verifier reads (shared/auth/verify.ts). */
export const INSTITUTION_CLAIM = 'institution';

/** The registered institution code of these user attributes, or undefined. */
export function institutionOf(
  attributes: Readonly<Record<string, string | undefined>>,
  register: InstitutionRegister = defaultRegister,
): string | undefined {
  const code = attributes[INSTITUTION_ATTRIBUTE];
  return code && register.byInstitutionCode(code) ? code : undefined;
}

/** The claims to add to both tokens (none for an unknown or missing code). */
export function institutionClaims(
  attributes: Readonly<Record<string, string | undefined>>,
  register: InstitutionRegister = defaultRegister,
): Record<string, string> {
  const code = institutionOf(attributes, register);
  return code ? { [INSTITUTION_CLAIM]: code } : {};
}
