/**
 * Pure ledger rules: what a ruling does to a student's learning credit, what makes two extracts
 * "the same ruling", and how a person's identity is compared without keeping names in clear.
 */
import { canonicalHash } from './canonical.js';
import { matchKey } from './text.js';
import type { Extract, LedgerEntry } from './types.js';

/** The credits a granted ruling gives back: the sum of its lines' returned credits. */
export function creditsReturned(extract: Pick<Extract, 'lines'>): number {
  return extract.lines.reduce((sum, l) => sum + l.returned, 0);
}

/**
 * What makes two uploads the same ruling: every field that matters to the ledger, read the same,
 * whatever tool produced the PDF. The address (never stored) and the clear national number
 * (replaced by its pseudonym) are left out; names count through their matching keys.
 */
export function contentHash(extract: Extract, pseudonym: string): string {
  return canonicalHash({
    rulingNumber: extract.rulingNumber,
    docket: extract.docket,
    rulingDate: extract.rulingDate,
    granted: true,
    pseudonym,
    surname: matchKey(extract.surname),
    givenNames: matchKey(extract.givenNames),
    lines: extract.lines.map((l) => ({ ...l, programme: matchKey(l.programme) })),
  });
}

/**
 * The identity compared at intake: the surname after normalisation and the first given name
 * (case-, accent- and whitespace-insensitive). It is hashed with a secret key before storage.
 */
export function identityKey(surname: string, givenNames: string): string {
  const first = givenNames.trim().split(/\s+/)[0] ?? '';
  return `${matchKey(surname)}|${matchKey(first)}`;
}

export { sha256Hex } from './canonical.js';

/** The ledger entries of a ruling: one per credit line. */
export function entriesFor(
  extract: Extract,
  ids: { pseudonym: string; intakeId: string; extractSha256: string; appliedAt: string },
): LedgerEntry[] {
  return extract.lines.map((line, i) => ({
    ...line,
    pseudonym: ids.pseudonym,
    rulingNumber: extract.rulingNumber,
    docket: extract.docket,
    rulingDate: extract.rulingDate,
    lineNumber: i + 1,
    extractSha256: ids.extractSha256,
    intakeId: ids.intakeId,
    appliedAt: ids.appliedAt,
  }));
}

/** A new intake id: time-ordered (so listings sort by upload time) and unguessable. */
export function newIntakeId(now: Date = new Date(), random: () => Uint8Array = defaultRandom): string {
  const time = now.getTime().toString(36).padStart(9, '0');
  const rand = Buffer.from(random()).toString('hex').slice(0, 16);
  return `${time}-${rand}`;
}

function defaultRandom(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(8));
}
