/**
 * Institutions consult learning credit; they see a student only when that student is enrolled
 * with them or a ruling names them (purpose limitation). Every consultation, allowed or denied,
 * is written to the audit trail before any data is returned (fail closed).
 */
import * as z from 'zod';
import { academicYearRule, parseAcademicYear } from '../domain/academic-year.js';
import type { Principal } from '../domain/principal.js';
import { PURPOSES, type Purpose } from '../domain/purposes.js';
import {
  checkNationalNumber,
  invalidNationalNumber,
  maskNationalNumber,
  sentence,
} from '../domain/national-number.js';
import { RequestRefusedError, actorOf, auditOrRefuse } from './errors.js';
import type {
  BatchGetRequest,
  BatchItem,
  Correction,
  CreditView,
  EnrolmentDeclared,
} from '../contract/api.js';
import type { AuditLog, AuditRecord, KeyService, LedgerEntry, LedgerStore } from '../ports/index.js';

export interface ConsultDeps {
  readonly ledger: LedgerStore;
  readonly audit: AuditLog;
  readonly keys: KeyService;
}

export type { BatchItem, Correction, CreditView } from '../contract/api.js';

export const purposeSchema = z.enum(PURPOSES);

export function requirePurpose(value: string | undefined): Purpose {
  const r = purposeSchema.safeParse(value);
  if (!r.success) {
    throw new RequestRefusedError('invalid', 'INVALID_PURPOSE', {
      nl: `Geef het doel van de raadpleging op met purpose=…: ${PURPOSES.join(', ')}.`,
      en: `State the purpose of the consultation with purpose=…: ${PURPOSES.join(', ')}.`,
    });
  }
  return r.data;
}

/** A valid national number's 11 digits, or a 400 naming the problem (the number masked). */
export function requireNationalNumber(text: string): string {
  const c = checkNationalNumber(text);
  if (!c.valid || !c.digits) {
    const m = invalidNationalNumber(text, c.problem);
    throw new RequestRefusedError('invalid', 'INVALID_RRN', { nl: sentence(m.nl), en: sentence(m.en) });
  }
  return c.digits;
}

/**
 * How the student is visible to the institution: enrolled through DHO (imported), named in a
 * ruling, or only by the institution's own declaration — the last is what the auditors' alert on
 * non-DHO reads counts (a code in the audit details, no personal data).
 */
export type Visibility = 'dho' | 'ruling' | 'declared';

type Lookup =
  | { found: true; view: CreditView; pseudonym: string; visibility: Visibility }
  | { found: false; pseudonym: string };

async function lookup(deps: ConsultDeps, institution: string, digits: string): Promise<Lookup> {
  const pseudonym = await deps.keys.mac('pseudonym', digits);
  const { student, entries, enrolments } = await deps.ledger.readStudentFile(pseudonym);
  if (!student) return { found: false, pseudonym };
  const own = enrolments.filter((e) => e.institution === institution);
  const visibility: Visibility | undefined = own.some((e) => e.source !== 'declared')
    ? 'dho'
    : entries.some((e) => e.institution === institution)
      ? 'ruling'
      : own.length > 0
        ? 'declared'
        : undefined;
  if (!visibility) return { found: false, pseudonym };
  return {
    found: true,
    pseudonym,
    visibility,
    view: {
      nationalNumber: maskNationalNumber(digits),
      balance: student.balance,
      openingBalance: student.openingBalance,
      corrections: entries.map(toCorrection),
    },
  };
}

/** What a ledger entry shows outside: the ruling and the credits, nothing about the extract or the intake. */
export function toCorrection(e: LedgerEntry): Correction {
  return {
    rulingNumber: e.rulingNumber,
    rulingDate: e.rulingDate,
    academicYear: e.academicYear,
    institution: e.institution,
    programme: e.programme,
    requested: e.requested,
    returned: e.returned,
  };
}

function record(
  p: Principal,
  requestId: string,
  n: number,
  pseudonym: string,
  purpose: Purpose,
  r: Lookup,
  now: Date,
): AuditRecord {
  return {
    id: `${requestId}:${n}`,
    at: now.toISOString(),
    actor: actorOf(p),
    action: 'credit.read',
    subject: pseudonym,
    purpose,
    // A student the institution may not see looks exactly like an unknown one to the caller.
    outcome: r.found ? 'ALLOWED' : 'DENIED:NOT_VISIBLE',
    requestId,
    ...(r.found ? { details: { visibility: r.visibility } } : {}),
  };
}

const notFound = () =>
  new RequestRefusedError('not-found', 'NOT_FOUND', {
    nl: 'Geen leerkrediet gevonden voor dit nummer bij uw instelling.',
    en: 'No learning credit found for this number at your institution.',
  });

/**
 * One student's learning credit.
 * Primary course: 1. validate purpose and number; 2. pseudonymise; 3. check the student is
 * enrolled with (or named in a ruling for) the caller's institution; 4. audit; 5. return.
 */
export async function getCredit(
  deps: ConsultDeps,
  p: Principal,
  input: { nationalNumber: string; purpose: string | undefined; requestId: string; now: Date },
): Promise<CreditView> {
  const purpose = requirePurpose(input.purpose);
  const digits = requireNationalNumber(input.nationalNumber);
  const r = await lookup(deps, p.institution ?? '', digits);
  await auditOrRefuse(deps.audit, [record(p, input.requestId, 0, r.pseudonym, purpose, r, input.now)]);
  if (!r.found) throw notFound();
  return r.view;
}

/** Up to 100 students at once: one audit record per number looked up. */
export async function batchGetCredit(
  deps: ConsultDeps,
  p: Principal,
  input: { body: BatchGetRequest; requestId: string; now: Date },
): Promise<BatchItem[]> {
  const { purpose, nationalNumbers } = input.body;
  const results = await Promise.all(
    nationalNumbers.map(async (text, n) => {
      const c = checkNationalNumber(text);
      if (!c.valid || !c.digits) return { text, invalid: true as const, n };
      return { text, invalid: false as const, n, r: await lookup(deps, p.institution ?? '', c.digits) };
    }),
  );
  await auditOrRefuse(
    deps.audit,
    results.flatMap((x) =>
      x.invalid ? [] : [record(p, input.requestId, x.n, x.r.pseudonym, purpose, x.r, input.now)],
    ),
  );
  return results.map((x): BatchItem => {
    const nationalNumber = maskNationalNumber(x.text);
    if (x.invalid) return { nationalNumber, status: 'INVALID', code: 'INVALID_RRN' };
    return x.r.found
      ? { nationalNumber, status: 'FOUND', credit: x.r.view }
      : { nationalNumber, status: 'NOT_FOUND' };
  });
}

/** An institution declares an enrolment; it then sees the student (audited). */
export async function declareEnrolment(
  deps: ConsultDeps,
  p: Principal,
  input: { nationalNumber: string; academicYear: string; requestId: string; now: Date },
): Promise<EnrolmentDeclared> {
  const digits = requireNationalNumber(input.nationalNumber);
  const academicYear = parseAcademicYear(input.academicYear, input.now);
  if (!academicYear) {
    const rule = academicYearRule(input.now);
    throw new RequestRefusedError('invalid', 'INVALID_ACADEMIC_YEAR', {
      nl: `Ongeldig academiejaar. Regel: ${rule.nl}.`,
      en: `Invalid academic year. Rule: ${rule.en}.`,
    });
  }
  const pseudonym = await deps.keys.mac('pseudonym', digits);
  await auditOrRefuse(deps.audit, [
    {
      id: `${input.requestId}:0`,
      at: input.now.toISOString(),
      actor: actorOf(p),
      action: 'enrolment.declare',
      subject: pseudonym,
      purpose: 'enrolment',
      outcome: 'ALLOWED',
      requestId: input.requestId,
      details: { academicYear },
    },
  ]);
  const r = await deps.ledger.putEnrolment({
    pseudonym,
    institution: p.institution ?? '',
    academicYear,
    source: 'declared',
    by: p.sub,
    at: input.now.toISOString(),
  });
  return { institution: p.institution ?? '', academicYear, created: r === 'created' };
}
