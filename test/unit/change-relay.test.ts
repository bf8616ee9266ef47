/**
 * The change-feed relay without AWS: the stream handler relays what a record names and reports a
 * failing record alone (partial batch response); relaying any number of times, in any order,
 * leaves one item per change and institution that sees the student (property); cursors the feed
 * did not hand out are refused. The store is an in-memory one with the adapter's put-if-absent rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createRelayHandler } from '../../functions/change-relay/handler.js';
import { randomBytes } from 'node:crypto';
import { localNameCipher } from '../../shared/adapters/name-cipher.js';
import {
  FEED_NUMBER_USE,
  decodeFeedCursor,
  feedNumberContext,
  encodeFeedCursor,
  feedSlotKey,
  slotOf,
  outboxId,
  type FeedRecord,
  type OutboxEntry,
} from '../../shared/domain/feed.js';
import type { ChangeFeedStore, Enrolment, LedgerEntry, StudentFile } from '../../shared/ports/index.js';
import { listChanges, relayChange, type RelayDeps } from '../../shared/use-cases/change-feed.js';

/**
 * An in-memory store with the adapter's rules (put-if-absent positions and marks, a hint that only
 * rises). `pause` runs before each step, so a scheduler can interleave concurrent relays; `crash`
 * throws once right after a relay wrote its item, before its mark (a function that died there).
 */
class MemoryFeed implements ChangeFeedStore {
  readonly outbox = new Map<string, OutboxEntry & { pending: boolean }>();
  readonly feeds = new Map<string, Map<number, FeedRecord>>();
  readonly marks = new Map<string, string>();
  readonly heads = new Map<string, number>();
  constructor(
    private readonly pause: () => Promise<void> = async () => undefined,
    private readonly crash = new Set<string>(),
  ) {}
  async getOutbox(id: string) {
    return this.outbox.get(id);
  }
  async listPending(limit: number) {
    return [...this.outbox.values()].filter((e) => e.pending).slice(0, limit);
  }
  async findPlacement(institution: string, id: string) {
    await this.pause();
    return this.marks.get(`${institution}/${id}`);
  }
  async lastPosition(institution: string) {
    await this.pause();
    return this.heads.get(institution) ?? 0;
  }
  async claimPosition(institution: string, n: number, record: FeedRecord) {
    await this.pause();
    const feed = this.feeds.get(institution) ?? new Map<number, FeedRecord>();
    this.feeds.set(institution, feed);
    const holder = feed.get(n);
    if (holder) return holder;
    feed.set(n, record);
    if (this.crash.delete(record.outboxId)) throw new Error('crashed after the item, before the mark');
    return record;
  }
  async markPlaced(institution: string, holder: Pick<FeedRecord, 'outboxId'>, position: string) {
    await this.pause();
    const key = `${institution}/${holder.outboxId}`;
    if (!this.marks.has(key)) this.marks.set(key, position);
  }
  async advancePosition(institution: string, n: number) {
    await this.pause();
    if ((this.heads.get(institution) ?? 0) < n) this.heads.set(institution, n);
  }
  async markRelayed(id: string) {
    const e = this.outbox.get(id);
    if (e) e.pending = false;
  }
  async readFeed(institution: string, after: string | undefined, limit: number) {
    await this.pause();
    const from = after ? slotOf(after)! : 0;
    const feed = this.feeds.get(institution) ?? new Map<number, FeedRecord>();
    const positions = [...feed.keys()].filter((n) => n > from).sort((x, y) => x - y);
    return {
      items: positions.slice(0, limit).map((n) => ({ ...feed.get(n)!, position: feedSlotKey(n) })),
      more: positions.length > limit,
    };
  }
  /** The outbox ids in an institution's feed, in position order, and whether positions run 1..n. */
  placed(institution: string): { ids: string[]; gapless: boolean } {
    const feed = this.feeds.get(institution) ?? new Map<number, FeedRecord>();
    const positions = [...feed.keys()].sort((x, y) => x - y);
    return {
      ids: positions.map((n) => feed.get(n)!.outboxId),
      gapless: positions.every((n, i) => n === i + 1),
    };
  }
}

const entry = (ruling: string, pseudonym: string, at = '2026-03-01T10:00:00.000Z'): OutboxEntry => ({
  outboxId: outboxId(ruling, pseudonym),
  pseudonym,
  rulingNumber: ruling,
  nationalNumber: '85.07.30-xxx.28',
  lines: [{ academicYear: '2024-2025', credits: 6 }],
  delta: 6,
  changedAt: at,
});

/** A ledger that knows, per pseudonym, the applied rulings, ruling-line institutions and enrolments. */
function ledger(
  files: Record<string, { applied: string[]; lines?: string[]; enrolled?: string[] }>,
): RelayDeps['ledger'] {
  return {
    readStudentFile: async (p: string): Promise<StudentFile> => {
      const f = files[p];
      if (!f) return { student: undefined, entries: [], enrolments: [] };
      return {
        student: { pseudonym: p, balance: 140, openingBalance: 140, appliedRulings: f.applied },
        entries: (f.lines ?? []).map((institution) => ({ institution }) as LedgerEntry),
        enrolments: (f.enrolled ?? []).map((institution) => ({ institution }) as Enrolment),
      };
    },
  };
}

const record = (pk: string, seq: string): DynamoDBRecord => ({
  eventID: pk,
  eventName: 'INSERT',
  dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'OUTBOX' } }, SequenceNumber: seq },
});

describe('reading a feed while relays run in parallel, crash and redeliver', () => {
  const audit = { append: async () => undefined, appendAll: async () => undefined } as never;
  const inst = { sub: 'client-ugent', role: 'institution', institution: 'UGENT' } as never;
  // Reads without a purpose neither decrypt nor pseudonymise.
  const unused = {} as never;

  it('a reader that follows its cursor gets every change exactly once, whatever the interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.nat(7), { maxLength: 4 }),
        fc.array(fc.nat(7), { maxLength: 3 }),
        async (s, changes, crashes, redelivered) => {
          const entries = Array.from({ length: changes }, (_, i) =>
            // Change times run against the relay order: time order would not be the feed's order.
            entry(String(100 + i), `p${i}`, new Date(Date.UTC(2026, 2, 1) - i * 1000).toISOString()),
          );
          const feed = new MemoryFeed(
            () => s.schedule(Promise.resolve()).then(() => undefined),
            new Set(crashes.filter((c) => c < changes).map((c) => entries[c]!.outboxId)),
          );
          const files = Object.fromEntries(
            entries.map((e) => [e.pseudonym, { applied: [e.rulingNumber], enrolled: ['UGENT'] }]),
          );
          const deps: RelayDeps = { ledger: ledger(files), feed };
          // At-least-once: a relay that fails is delivered again; some are delivered twice anyway.
          const deliver = async (e: OutboxEntry): Promise<void> => {
            for (;;) {
              try {
                await relayChange(deps, e);
                return;
              } catch {
                /* redelivered */
              }
            }
          };
          const read: string[] = [];
          let cursor: string | undefined;
          const poll = async () => {
            for (;;) {
              const page = await listChanges({ feed, audit, keys: unused, names: unused }, inst, {
                query: cursor ? { after: cursor, limit: '2' } : { limit: '2' },
                requestId: 'r',
                now: new Date(),
              });
              read.push(...page.items.map((i) => i.rulingNumber));
              cursor = page.next;
              if (!page.more) return;
            }
          };
          const relays = Promise.all([
            ...entries.map(deliver),
            ...redelivered.filter((r) => r < changes).map((r) => deliver(entries[r]!)),
          ]);
          const reader = (async () => {
            for (let i = 0; i < 4; i++) await poll();
          })();
          await s.waitFor(Promise.all([relays, reader]));
          await s.waitFor(poll());
          const { ids, gapless } = feed.placed('UGENT');
          assert.equal(ids.length, changes, 'one item per change');
          assert.ok(gapless, 'positions 1..n');
          assert.deepEqual([...read].sort(), entries.map((e) => e.rulingNumber).sort(), 'read once each');
        },
      ),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe('the change relay', () => {
  it('relays what a stream record names, ignores feed items, and reports a failing record alone', async () => {
    const feed = new MemoryFeed();
    const ok = entry('100', 'p1');
    const notApplied = entry('200', 'p2');
    for (const e of [ok, notApplied]) feed.outbox.set(e.outboxId, { ...e, pending: true });
    const deps: RelayDeps = {
      ledger: ledger({
        p1: { applied: ['100'], enrolled: ['UGENT'] },
        p2: { applied: [], enrolled: ['KUL'] },
      }),
      feed,
    };
    const handler = createRelayHandler(() => deps);
    const event: DynamoDBStreamEvent = {
      Records: [
        record(`OUT#${ok.outboxId}`, '1'),
        record('FEED#UGENT', '2'),
        record(`OUT#${notApplied.outboxId}`, '3'),
      ],
    };
    const r = (await handler(event, { functionName: 'relay' } as Context)) as {
      batchItemFailures: { itemIdentifier: string }[];
    };
    // Only the change the ledger does not show applied fails (retried, then dead-lettered).
    assert.deepEqual(r.batchItemFailures, [{ itemIdentifier: '3' }]);
    assert.deepEqual(feed.placed('UGENT').ids, [ok.outboxId]);
    assert.equal(feed.feeds.get('KUL'), undefined);
    assert.equal(feed.outbox.get(ok.outboxId)!.pending, false);
    assert.equal(feed.outbox.get(notApplied.outboxId)!.pending, true);
  });

  it('leaves one item per change and visible institution, however often and in whatever order it relays', async () => {
    const institutions = ['UGENT', 'KUL', 'VUB', 'UA'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            ruling: fc.integer({ min: 1, max: 5 }),
            student: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.dictionary(
          fc.constantFrom('s1', 's2', 's3'),
          fc.record({
            enrolled: fc.subarray(institutions),
            lines: fc.subarray(institutions),
          }),
        ),
        async (relays, visibility) => {
          const feed = new MemoryFeed();
          const files: Record<string, { applied: string[]; lines: string[]; enrolled: string[] }> = {};
          for (const s of ['s1', 's2', 's3'])
            files[s] = {
              applied: ['1', '2', '3', '4', '5'],
              lines: visibility[s]?.lines ?? [],
              enrolled: visibility[s]?.enrolled ?? [],
            };
          const deps: RelayDeps = { ledger: ledger(files), feed };
          for (const { ruling, student } of relays)
            await relayChange(deps, entry(String(ruling), `s${student}`, `2026-03-0${ruling}T10:00:00.000Z`));
          for (const i of institutions) {
            const expected = new Set(
              relays
                .filter(({ student }) => {
                  const f = files[`s${student}`]!;
                  return f.enrolled.includes(i) || f.lines.includes(i);
                })
                .map(({ ruling, student }) => `${ruling}/s${student}`),
            );
            assert.equal(feed.feeds.get(i)?.size ?? 0, expected.size, i);
          }
        },
      ),
      { seed: 16, numRuns: 200 },
    );
  });

  it('refuses a cursor it did not hand out and reads back one it did', () => {
    const key = feedSlotKey(42);
    assert.equal(decodeFeedCursor(encodeFeedCursor(key)), key);
    assert.equal(decodeFeedCursor('not-a-cursor!'), undefined);
    assert.equal(decodeFeedCursor(encodeFeedCursor('FEED#UGENT')), undefined);
    assert.equal(decodeFeedCursor(encodeFeedCursor(`${key}x`)), undefined);
  });

  it('names a change by ruling and student only: a retry at another time writes the same entry', () => {
    assert.equal(entry('100', 'p1', '2026-01-01T00:00:00.000Z').outboxId, entry('100', 'p1').outboxId);
    assert.notEqual(outboxId('100', 'p1'), outboxId('100', 'p2'));
    assert.notEqual(outboxId('100', 'p1'), outboxId('1001', 'p'));
  });
});

describe('the full number a feed keeps', () => {
  it('decrypts only for the change it was encrypted for, and never as a name', async () => {
    const cipher = localNameCipher(randomBytes(32));
    const a = outboxId('100', 'p1');
    const ct = await cipher.encryptNumber('85073003328', feedNumberContext(a));
    assert.equal(await cipher.decryptNumber(ct, feedNumberContext(a)), '85073003328');
    // Copied onto another change (or another student's entry), it does not open.
    await assert.rejects(
      cipher.decryptNumber(ct, feedNumberContext(outboxId('100', 'p2'))),
      /context mismatch/,
    );
    // The institution API's KMS grant is bound to this context's `use`: a name's context lacks it.
    assert.equal(feedNumberContext(a).use, FEED_NUMBER_USE);
    await assert.rejects(cipher.decrypt(ct, { pseudonym: 'p1' }), /context mismatch/);
  });
});
