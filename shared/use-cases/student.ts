/**
 * A student sees their own record: balance, the rulings applied to them, and every access to
 * their data (who, when, why, outcome). The subject is the token's national number — never a
 * parameter — and the read is audited like every other read (under the pseudonym, never the number).
 */
import type { Principal } from '../domain/principal.js';
import type { MyAccess, MyRecord } from '../contract/api.js';
import type { AuditRecord } from '../ports/index.js';
import { RequestRefusedError, actorOf, auditOrRefuse } from './errors.js';
import { subjectAccessPage, type AuditQueryDeps } from './audit-queries.js';
import { requireNationalNumber, toCorrection } from './consult.js';

export type StudentDeps = Pick<AuditQueryDeps, 'audit' | 'ledger' | 'keys' | 'stats'>;

interface Ctx {
  readonly p: Principal;
  readonly requestId: string;
  readonly now: Date;
}

/** At most this many accesses per page (default 50). */
export const MY_ACCESSES_MAX = 200;

function limitOf(query: Record<string, string>): number {
  const limit = query.limit ? Number(query.limit) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MY_ACCESSES_MAX) {
    throw new RequestRefusedError('invalid', 'INVALID_LIMIT', {
      nl: `limit moet tussen 1 en ${MY_ACCESSES_MAX} liggen.`,
      en: `limit must be from 1 to ${MY_ACCESSES_MAX}.`,
    });
  }
  return limit;
}

/** What a student is shown of an access: the kind of actor and institution, not the staff member's id. */
function toAccess(r: AuditRecord): MyAccess {
  return {
    at: r.at,
    actorRole: r.actor.role,
    ...(r.actor.institution ? { institution: r.actor.institution } : {}),
    action: r.action,
    purpose: r.purpose,
    outcome: r.outcome,
  };
}

/**
 * `GET /v1/me`. Primary course: 1. the subject from the principal (its number was checked when the
 * token was verified; checked again here); 2. pseudonymise; 3. audit the read; 4. read the student
 * file and one page of the subject index (newest first; the cost is the page, not the history).
 * `next` pages on through the accesses only.
 */
export async function readOwnRecord(
  deps: StudentDeps,
  ctx: Ctx,
  query: Record<string, string>,
): Promise<MyRecord> {
  if (ctx.p.role !== 'student' || !ctx.p.nationalNumber) {
    throw new RequestRefusedError('invalid', 'NOT_A_STUDENT', {
      nl: 'Alleen een student kan zijn eigen dossier inzien.',
      en: 'Only a student can see their own record.',
    });
  }
  const digits = requireNationalNumber(ctx.p.nationalNumber);
  const limit = limitOf(query);
  const pseudonym = await deps.keys.mac('pseudonym', digits);
  await auditOrRefuse(deps.audit, [
    {
      id: `${ctx.requestId}:me`,
      at: ctx.now.toISOString(),
      actor: actorOf(ctx.p),
      action: 'student.read-own',
      subject: pseudonym,
      purpose: 'data-subject-access',
      outcome: 'ALLOWED',
      requestId: ctx.requestId,
      details: { ...(query.limit ? { limit } : {}), page: query.next ? 'next' : 'first' },
    },
  ]);
  const [{ student, entries }, page] = await Promise.all([
    deps.ledger.readStudentFile(pseudonym),
    subjectAccessPage(deps, ctx.now, pseudonym, limit, query.next),
  ]);
  return {
    nationalNumber: digits,
    known: Boolean(student),
    ...(student ? { balance: student.balance, openingBalance: student.openingBalance } : {}),
    rulings: entries.map(toCorrection),
    accesses: page.items.map(toAccess),
    ...(page.next ? { next: page.next } : {}),
  };
}
