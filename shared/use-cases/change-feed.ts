/**
 * The institutions' change feed (issue 16): the relay that fans an outbox entry out to the feeds
 * of the institutions that see the student, and the institution's read of its own feed.
 */
import {
  decodeFeedCursor,
  feedItemOf,
  feedNumberContext,
  feedSlotKey,
  visibleInstitutions,
  type OutboxEntry,
} from '../domain/feed.js';
import type { Principal } from '../domain/principal.js';
import type { ChangesPage } from '../contract/api.js';
import type {
  AuditLog,
  AuditRecord,
  ChangeFeedStore,
  ChangeNotifier,
  KeyService,
  LedgerStore,
  NameCipher,
} from '../ports/index.js';
import { changeNotification } from '../domain/webhook.js';
import { limitOf } from './clerk.js';
import { requirePurpose } from './consult.js';
import { RequestRefusedError, actorOf, auditOrRefuse } from './errors.js';

export interface RelayDeps {
  readonly ledger: Pick<LedgerStore, 'readStudentFile'>;
  readonly feed: ChangeFeedStore;
  /** Webhook notifications (optional): one per new entry of an institution that has a webhook. */
  readonly notifier?: ChangeNotifier;
}

export interface ChangeFeedDeps {
  readonly feed: ChangeFeedStore;
  readonly audit: AuditLog;
  /** A purposeful read: the full number decrypted, the student's pseudonym for the audit record. */
  readonly keys: Pick<KeyService, 'mac'>;
  readonly names: Pick<NameCipher, 'decryptNumber'>;
}

/** Positions a relay may walk past in one placement before it gives up (a corrupted hint). */
const MAX_POSITION_WALK = 10_000;

/**
 * Places a change in one institution's feed and answers its position; safe to run any number of
 * times and concurrently with other relays (the invariant `feedSlotKey` states).
 * 1. A change already marked placed keeps its position (the hint is read before the mark). 2. From the position after the hint, the
 * relay tries each position in turn: a position is taken only by writing the item there
 * (put-if-absent), so position n + 1 is tried only once n is seen taken. 3. Whoever holds a
 * position it passes gets its mark first — a relay that crashed between its item and its mark is
 * marked by the next relay, so its redelivery finds the mark instead of placing the change twice,
 * and every position at or below the hint is marked. 4. The hint moves up to the new position.
 */
export async function placeInFeed(
  feed: ChangeFeedStore,
  institution: string,
  entry: OutboxEntry,
): Promise<string> {
  // The hint first, then the mark: the hint only passes marked positions, so a change whose item
  // is at or below the hint read here is found marked, and one above it is found by the walk.
  const from = (await feed.lastPosition(institution)) + 1;
  const placed = await feed.findPlacement(institution, entry.outboxId);
  if (placed) return placed;
  const { pseudonym: _p, ...record } = entry;
  for (let n = from; n < from + MAX_POSITION_WALK; n++) {
    const holder = await feed.claimPosition(institution, n, record);
    await feed.markPlaced(institution, holder, feedSlotKey(n));
    if (holder.outboxId === entry.outboxId) {
      await feed.advancePosition(institution, n);
      return feedSlotKey(n);
    }
  }
  throw new Error(`no free feed position within ${MAX_POSITION_WALK} of the hint ${from - 1}`);
}

/**
 * Relays one outbox entry; safe to run any number of times (at-least-once delivery).
 * Primary course: 1. read the student file; 2. only a change the student item shows applied is
 * relayed (on AWS always: the entry was written in the balance change's transaction; on the
 * emulator an entry may precede its balance change — it waits for the intake's retry); 3. the
 * institutions that see the student now (enrolled, or named in a ruling line) each get the item
 * at the next position of their feed, once (`placeInFeed`); 4. each of them that has a webhook gets
 * a notification queued (`notifier`; the same id again on a redelivery); 5. the entry leaves the
 * pending index.
 */
export async function relayChange(deps: RelayDeps, entry: OutboxEntry): Promise<'relayed' | 'not-applied'> {
  const { student, entries, enrolments } = await deps.ledger.readStudentFile(entry.pseudonym);
  if (!student?.appliedRulings.includes(entry.rulingNumber)) return 'not-applied';
  const institutions = visibleInstitutions(entries, enrolments);
  const positions = await Promise.all(
    institutions.map((institution) => placeInFeed(deps.feed, institution, entry)),
  );
  // 4. Before the entry leaves the outbox: a crash in between re-sends the same ids (at least once).
  const { notifier } = deps;
  if (notifier) {
    const notes = institutions.flatMap((institution, i) =>
      notifier.institutions.has(institution)
        ? [changeNotification(institution, positions[i]!, entry.changedAt)]
        : [],
    );
    if (notes.length) await notifier.notify(notes);
  }
  await deps.feed.markRelayed(entry.outboxId);
  return 'relayed';
}

/** Relays what is pending, oldest first (the local stack's tick; on AWS the stream does this). */
export async function relayPending(
  deps: RelayDeps,
  limit = 100,
): Promise<{ relayed: number; waiting: number }> {
  let relayed = 0;
  let waiting = 0;
  for (const entry of await deps.feed.listPending(limit)) {
    if ((await relayChange(deps, entry)) === 'relayed') relayed++;
    else waiting++;
  }
  return { relayed, waiting };
}

const invalidCursor = () =>
  new RequestRefusedError('invalid', 'INVALID_CURSOR', {
    nl: 'Ongeldige cursor (after).',
    en: 'Invalid cursor (after).',
  });

/**
 * `GET /v1/changes?after=<cursor>&limit=<n>[&purpose=<purpose>]`: the caller's own feed, in
 * position order.
 * Primary course: 1. the institution from the token (never from input); 2. check the cursor, limit
 * and purpose; 3. read one page; 4. with a purpose, decrypt each change's full number (bound to
 * that change) and name its student; 5. audit before answering: one record for the call
 * (institution, count, page — no person) and, with a purpose, one per change shown in full, on
 * its student with that purpose (the student sees it in `GET /v1/me`); 6. answer with masked
 * numbers, or full ones with a purpose, and the next position.
 */
export async function listChanges(
  deps: ChangeFeedDeps,
  p: Principal,
  input: { query: Record<string, string>; requestId: string; now: Date },
): Promise<ChangesPage> {
  const institution = p.institution;
  if (p.role !== 'institution' || !institution) {
    throw new RequestRefusedError('invalid', 'NOT_AN_INSTITUTION', {
      nl: 'Alleen een instelling heeft een wijzigingenstroom.',
      en: 'Only an institution has a change feed.',
    });
  }
  const limit = limitOf(input.query, 200, 50);
  const after = input.query.after ? decodeFeedCursor(input.query.after) : undefined;
  if (input.query.after && !after) throw invalidCursor();
  const purpose = input.query.purpose === undefined ? undefined : requirePurpose(input.query.purpose);
  const page = await deps.feed.readFeed(institution, after, limit);
  const full = purpose
    ? await Promise.all(
        page.items.map(async (e) => {
          if (!e.numberCiphertext) return undefined;
          const nationalNumber = await deps.names.decryptNumber(
            e.numberCiphertext,
            feedNumberContext(e.outboxId),
          );
          return { nationalNumber, subject: await deps.keys.mac('pseudonym', nationalNumber) };
        }),
      )
    : [];
  const at = input.now.toISOString();
  const call: AuditRecord = {
    id: `${input.requestId}:changes`,
    at,
    actor: actorOf(p),
    action: 'changes.read',
    purpose: purpose ?? 'change-feed',
    outcome: 'ALLOWED',
    requestId: input.requestId,
    details: { count: page.items.length, page: after ? 'after' : 'first' },
  };
  const shown: AuditRecord[] = full.flatMap((f, n) =>
    f
      ? [
          {
            id: `${input.requestId}:changes:${n}`,
            at,
            actor: actorOf(p),
            action: 'changes.read-number',
            subject: f.subject,
            purpose: purpose!,
            outcome: 'ALLOWED',
            requestId: input.requestId,
          },
        ]
      : [],
  );
  await auditOrRefuse(deps.audit, [call, ...shown]);
  const items = page.items.map((e, n) => {
    const item = feedItemOf(e);
    const number = full[n]?.nationalNumber;
    return number ? { ...item, nationalNumber: number } : item;
  });
  const next = items.at(-1)?.cursor ?? input.query.after;
  return { items, ...(next ? { next } : {}), more: page.more };
}
