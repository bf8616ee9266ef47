/**
 * The institutions' change feed (issue 16): what one applied ruling tells the institutions that
 * see the student, and the rules that keep the feed exactly-once. Pure: no I/O.
 *
 * - The outbox entry is keyed by ruling number and student pseudonym (`outboxId`), so a retried
 *   ledger write, a redelivered extract or a duplicate that rolls the first intake forward all
 *   name the same entry: it is written at most once, in the same write as the balance change.
 * - A feed item is keyed by institution and its position in that feed (`feedSlotKey`); a marker
 *   keyed by the outbox id says the change has its position, so a relay that runs twice (or
 *   crashes half-way) still leaves each institution one item per change.
 * - The number is masked (`85.07.30-xxx.28`): an institution that needs the full file asks for the
 *   student by number with a purpose (`getCredit`), which is audited per student.
 */
import { sha256Hex } from './canonical.js';
import { maskNationalNumber } from './national-number.js';
import type { Extract, LedgerEntry } from './types.js';

/** Credits given back for one academic year by one ruling. */
export interface ChangeLine {
  readonly academicYear: string;
  readonly credits: number;
}

/** One ledger change as the outbox holds it (written with the balance change, relayed later). */
export interface OutboxEntry {
  readonly outboxId: string;
  /** The student's pseudonym (the ledger's key); never shown to an institution. */
  readonly pseudonym: string;
  readonly rulingNumber: string;
  /** `85.07.30-xxx.28`. */
  readonly nationalNumber: string;
  readonly lines: readonly ChangeLine[];
  /** Total credits given back (the change in the balance). */
  readonly delta: number;
  /** When the ledger changed (ISO). */
  readonly changedAt: string;
  /**
   * The full number, encrypted (NameCipher, `feedNumberContext`): shown only to an institution that
   * reads its feed with a purpose, each such read audited on the student. Absent in entries
   * written before it was kept: those stay masked.
   */
  readonly numberCiphertext?: string;
}

/** The encryption context's `use` of feed numbers: the institution API may decrypt these, no names. */
export const FEED_NUMBER_USE = 'feed-number';

/** The encryption context of a change's full number: bound to that change. */
export const feedNumberContext = (outboxId: string): Record<string, string> => ({
  use: FEED_NUMBER_USE,
  change: outboxId,
});

/** A change as an institution's feed stores it: the outbox entry without the pseudonym. */
export type FeedRecord = Omit<OutboxEntry, 'pseudonym'>;

/** A feed record read back with its position (`feedSlotKey`). */
export interface PlacedFeedRecord extends FeedRecord {
  readonly position: string;
}

/** What an institution reads in its feed. */
export interface FeedItem {
  /** The item's position: pass it as `after` to resume behind it. */
  readonly cursor: string;
  readonly nationalNumber: string;
  readonly rulingNumber: string;
  readonly academicYear: string;
  readonly lines: ChangeLine[];
  readonly delta: number;
  readonly changedAt: string;
}

/** Deterministic: one id per ruling and student, whichever intake or retry writes it. */
export function outboxId(rulingNumber: string, pseudonym: string): string {
  return sha256Hex(`outbox\u0000${rulingNumber}\u0000${pseudonym}`).slice(0, 32);
}

/** The outbox entry of an extract applied to the student `pseudonym` at `changedAt`. */
export function outboxEntryFor(extract: Extract, pseudonym: string, changedAt: string): OutboxEntry {
  const years = new Map<string, number>();
  for (const l of extract.lines) years.set(l.academicYear, (years.get(l.academicYear) ?? 0) + l.returned);
  const lines = [...years].map(([academicYear, credits]) => ({ academicYear, credits }));
  return {
    outboxId: outboxId(extract.rulingNumber, pseudonym),
    pseudonym,
    rulingNumber: extract.rulingNumber,
    nationalNumber: maskNationalNumber(extract.nationalNumber),
    lines,
    delta: lines.reduce((s, l) => s + l.credits, 0),
    changedAt,
  };
}

/**
 * A feed's positions: each institution's feed numbers its items 1, 2, 3 … in the order the relay
 * placed them (`SEQ#000000000001`). A relay takes position n only by writing the item there
 * (put-if-absent) and moves on to n + 1 only after it has seen n taken, so an item at n is never
 * written before every position below it is: a reader that has read up to n never misses an item
 * placed later — whatever the relays' order, parallelism or lag. (Ordered by change time instead,
 * a change relayed late could land behind a reader's cursor and never be read.)
 */
export const FEED_SLOT_PREFIX = 'SEQ#';
const SLOT_DIGITS = 12;

/** The sort key of position `n` (1-based) in an institution's feed. */
export const feedSlotKey = (n: number): string =>
  `${FEED_SLOT_PREFIX}${String(n).padStart(SLOT_DIGITS, '0')}`;

const SLOT_KEY = new RegExp(`^${FEED_SLOT_PREFIX}(\\d{${SLOT_DIGITS}})$`);

/** The position a sort key names, or undefined when it is not a feed position. */
export function slotOf(sortKey: string): number | undefined {
  const m = SLOT_KEY.exec(sortKey);
  return m ? Number(m[1]) : undefined;
}

/** The opaque cursor of a feed position. */
export const encodeFeedCursor = (sortKey: string): string =>
  Buffer.from(sortKey, 'utf8').toString('base64url');

/** The position a cursor names, or undefined when it is not one this feed handed out. */
export function decodeFeedCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  return slotOf(sk) !== undefined ? sk : undefined;
}

/** The item an institution sees (the latest academic year first named as `academicYear`). */
export function feedItemOf(e: PlacedFeedRecord): FeedItem {
  const years = e.lines.map((l) => l.academicYear).sort();
  return {
    cursor: encodeFeedCursor(e.position),
    nationalNumber: e.nationalNumber,
    rulingNumber: e.rulingNumber,
    academicYear: years.at(-1) ?? '',
    lines: [...e.lines],
    delta: e.delta,
    changedAt: e.changedAt,
  };
}

/**
 * The institutions that see a student — the rule `getCredit` applies (shared/use-cases/consult.ts):
 * an enrolment with the institution (imported from DHO or declared) or a ruling line naming it.
 */
export function visibleInstitutions(
  entries: readonly Pick<LedgerEntry, 'institution'>[],
  enrolments: readonly { readonly institution: string }[],
): string[] {
  return [...new Set([...enrolments.map((e) => e.institution), ...entries.map((e) => e.institution)])].sort();
}
