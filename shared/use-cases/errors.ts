/**
 * What a use case answers when a request cannot be served, and the audit-before-answer rule. The
 * HTTP adapter maps each `kind` to a status once (`shared/http/api.ts`); use cases know no HTTP.
 */
import type { Message } from '../domain/types.js';
import type { AuditActor, AuditLog, AuditRecord } from '../ports/index.js';
import type { Principal } from '../domain/principal.js';

/** Why a request is refused: bad input, nothing there (or not visible to the caller), a state conflict… */
export type RefusalKind = 'invalid' | 'not-found' | 'conflict' | 'gone' | 'unsupported-media-type';

/** A refusal with a stable code and a message in Dutch and English. */
export class RequestRefusedError extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly code: string,
    readonly messages: Message,
  ) {
    super(`${code}: ${messages.en}`);
    this.name = 'RequestRefusedError';
  }
}

/** The same answer for "unknown" and "not yours": nothing tells the two apart. */
export const NOT_FOUND: Message = { nl: 'Niet gevonden.', en: 'Not found.' };

/** The audit trail could not be written: nothing is returned (fail closed). */
export class AuditUnavailableError extends Error {
  constructor(cause: unknown) {
    super('audit trail unavailable', { cause });
    this.name = 'AuditUnavailableError';
  }
}

/** Appends access records before data is returned; if that fails, the request fails (fail closed). */
export async function auditOrRefuse(audit: AuditLog, records: readonly AuditRecord[]): Promise<void> {
  try {
    for (const r of records) await audit.append(r);
  } catch (e) {
    throw new AuditUnavailableError(e);
  }
}

/** The audit trail's view of who acted. */
export function actorOf(p: Principal): AuditActor {
  return { id: p.sub, role: p.role, ...(p.institution ? { institution: p.institution } : {}) };
}
