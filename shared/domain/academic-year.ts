/**
 * The academic-year rule, stated once: `YYYY-YYYY` where the second year follows the first, from
 * 2008-2009 (the first year of learning credit) up to the academic year that starts in the
 * current calendar year in Brussels. The extract parser, enrolment declarations and enrolment
 * imports all read a year through `parseAcademicYear` and name the rule with `academicYearRule`.
 */
import type { Message } from './types.js';

/** The first academic year with learning credit. */
export const FIRST_ACADEMIC_YEAR = 2008;

/** `2024-2025`; also with an en or em dash or a slash, and spaces around it (as PDFs print it). */
const PATTERN = /^(\d{4})\s*[-–—/]\s*(\d{4})$/;

/** Today's date in Brussels as `YYYY-MM-DD`. */
export function brusselsToday(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(now);
}

/** The calendar year in Brussels: the last year an academic year may start in. */
export function lastAcademicYearStart(now: Date): number {
  return Number(brusselsToday(now).slice(0, 4));
}

/** The academic year normalised to `YYYY-YYYY`, or undefined when it breaks the rule. */
export function parseAcademicYear(text: string, now: Date): string | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  if (Number(m[2]) !== first + 1 || first < FIRST_ACADEMIC_YEAR || first > lastAcademicYearStart(now))
    return undefined;
  return `${m[1]}-${m[2]}`;
}

/** The rule in words, for messages: with the last year allowed spelled out. */
export function academicYearRule(now: Date): Message {
  const last = lastAcademicYearStart(now);
  return {
    nl: `JJJJ-JJJJ, het tweede jaar volgt op het eerste, van ${FIRST_ACADEMIC_YEAR}-${FIRST_ACADEMIC_YEAR + 1} tot ${last}-${last + 1}`,
    en: `YYYY-YYYY, the second year following the first, from ${FIRST_ACADEMIC_YEAR}-${FIRST_ACADEMIC_YEAR + 1} to ${last}-${last + 1}`,
  };
}
