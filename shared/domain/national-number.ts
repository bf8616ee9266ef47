/**
 * Belgian national register numbers (rijksregisternummer / INSZ).
 *
 * 11 digits: YYMMDD + 3-digit sequence + 2 check digits, where the check is
 * 97 − (first 9 digits mod 97); for people born from 2000 the 9 digits are prefixed with `2`.
 * Bis numbers add 20 (gender unknown) or 40 (gender known) to the month.
 */
import type { Message } from './types.js';

export type NationalNumberProblem = 'FORMAT' | 'CHECK_DIGITS' | 'BIRTH_DATE' | 'SEQUENCE';

export interface NationalNumberCheck {
  readonly valid: boolean;
  /** 11 digits when the format is right. */
  readonly digits?: string;
  readonly problem?: NationalNumberProblem;
  readonly bis?: boolean;
  /** 1900 or 2000: which century the check digits point to. */
  readonly century?: 1900 | 2000;
}

/** Removes the separators the extract format allows (`.`, `-`, spaces) anywhere. */
export function stripSeparators(text: string): string {
  return text.replace(/[.\-\s\u2010-\u2015]/g, '');
}

function checkFor(nine: string, century: 1900 | 2000): number {
  const n = BigInt(century === 2000 ? `2${nine}` : nine);
  return 97 - Number(n % 97n);
}

function plausibleDate(year: number, month: number, day: number): boolean {
  // A month or day of 0 is allowed in bis numbers whose birth date is (partly) unknown.
  if (month === 0 || day === 0) return month <= 12 && day <= 31;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Validates a national register number written with or without separators. */
export function checkNationalNumber(text: string): NationalNumberCheck {
  const digits = stripSeparators(text);
  if (!/^\d{11}$/.test(digits)) return { valid: false, problem: 'FORMAT' };
  const nine = digits.slice(0, 9);
  const check = Number(digits.slice(9));
  const century: 1900 | 2000 | undefined =
    checkFor(nine, 1900) === check ? 1900 : checkFor(nine, 2000) === check ? 2000 : undefined;
  if (century === undefined) return { valid: false, digits, problem: 'CHECK_DIGITS' };

  let month = Number(digits.slice(2, 4));
  const bis = month >= 20;
  if (month >= 40) month -= 40;
  else if (month >= 20) month -= 20;
  const year = century + Number(digits.slice(0, 2));
  const day = Number(digits.slice(4, 6));
  if (month > 12 || !plausibleDate(year, month, day)) {
    return { valid: false, digits, problem: 'BIRTH_DATE', bis, century };
  }
  const sequence = Number(digits.slice(6, 9));
  if (sequence === 0 || sequence === 999) return { valid: false, digits, problem: 'SEQUENCE', bis, century };
  return { valid: true, digits, bis, century };
}

/**
 * Masks a national number for messages and screens: `85.07.30-xxx.28`. Whatever the input,
 * the sequence digits never appear; input that is not 11 digits is masked entirely but for
 * its length, so a typo cannot leak a real number either.
 */
export function maskNationalNumber(text: string): string {
  const d = stripSeparators(text);
  if (!/^\d{11}$/.test(d)) return d.length === 0 ? '' : `${'x'.repeat(Math.min(d.length, 11))}`;
  return `${d.slice(0, 2)}.${d.slice(2, 4)}.${d.slice(4, 6)}-xxx.${d.slice(9)}`;
}

/** Formats 11 digits the way Belgian documents print them: `85.07.30-033.28`. */
export function formatNationalNumber(digits: string): string {
  return `${digits.slice(0, 2)}.${digits.slice(2, 4)}.${digits.slice(4, 6)}-${digits.slice(6, 9)}.${digits.slice(9)}`;
}

/**
 * What is wrong with a national number, in words: the one text the extract's rejection, the API's
 * 400, the import report and the console's hint all use. A clause (lower case, no full stop);
 * `sentence` makes it one.
 */
export const NATIONAL_NUMBER_PROBLEMS: Record<NationalNumberProblem, Message> = {
  FORMAT: {
    nl: 'verwacht worden 11 cijfers (punten, streepjes en spaties mogen)',
    en: '11 digits expected (dots, dashes and spaces allowed)',
  },
  CHECK_DIGITS: { nl: 'de controlecijfers kloppen niet', en: 'the check digits do not match' },
  BIRTH_DATE: {
    nl: 'de eerste 6 cijfers vormen geen geldige geboortedatum',
    en: 'the first 6 digits are not a valid birth date',
  },
  SEQUENCE: { nl: 'het volgnummer is ongeldig', en: 'the sequence number is invalid' },
};

/** A clause as a sentence: capital first letter, full stop. */
export function sentence(clause: string): string {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
}

/** «ongeldig rijksregisternummer 85.07.30-xxx.28: de controlecijfers kloppen niet» (masked; a clause). */
export function invalidNationalNumber(text: string, problem: NationalNumberProblem | undefined): Message {
  const masked = maskNationalNumber(text);
  const why = NATIONAL_NUMBER_PROBLEMS[problem ?? 'FORMAT'];
  return {
    nl: `ongeldig rijksregisternummer ${masked}: ${why.nl}`,
    en: `invalid national register number ${masked}: ${why.en}`,
  };
}
