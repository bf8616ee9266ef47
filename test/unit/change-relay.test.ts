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
import {
  FEED_SETTLE_MS,
  decodeFeedCursor,
  encodeFeedCursor,
  feedSortKey,
  outboxId,
  type FeedRecord,
  type OutboxEntry,
} from '../../shared/domain/feed.js';
import type { ChangeFeedStore, Enrolment, LedgerEntry, StudentFile } from '../../shared/ports/index.js';
import { listChanges, relayChange, type RelayDeps } from '../../shared/use-cases/change-feed.js';

class MemoryFeed implements ChangeFeedStore {
  readonly outbox = new Map<string, OutboxEntry & { pending: boolean }>();
  readonly feeds = new Map<string, Map<string, FeedRecord>>();
  async getOutbox(id: string) {
    return this.outbox.get(id);
  }
  async listPending(limit: number) {
    return [...this.outbox.values()].filter((e) => e.pending).slice(0, limit);
  }
  async putFeedItems(entry: OutboxEntry, institutions: readonly string[]) {
    const { pseudonym: _p, ...shown } = entry;
    for (const i of institutions) {
      const feed = this.feeds.get(i) ?? new Map<string, FeedRecord>();
      if (!feed.has(feedSortKey(entry))) feed.set(feedSortKey(entry), shown); // put-if-absent
      this.feeds.set(i, feed);
    }
  }
  async markRelayed(id: string) {
    const e = this.outbox.get(id);
    if (e) e.pending = false;
  }
  async readFeed(institution: string, after: string | undefined, limit: number, upTo: string) {
    const keys = [...(this.feeds.get(institution)?.keys() ?? [])]
      .sort()
      .filter((k) => (!after || k > after) && k <= upTo);
    return {
      items: keys.slice(0, limit).map((k) => this.feeds.get(institution)!.get(k)!),
      more: keys.length > limit,
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

describe('reading the feed while relays land out of order', () => {
  const audit = { append: async () => undefined, appendAll: async () => undefined } as never;
  const inst = { sub: 'client-ugent', role: 'institution', institution: 'UGENT' } as never;
  const read = (feed: MemoryFeed, now: number, settleMs: number, after?: string) =>
    listChanges({ feed, audit, feedSettleMs: settleMs }, inst, {
      query: after ? { after } : {},
      requestId: `r-${now}`,
      now: new Date(now),
    });
  const t0 = Date.parse('2026-03-01T10:00:00.000Z');
  const deps = (feed: MemoryFeed): RelayDeps => ({
    ledger: ledger({
      a: { applied: ['1'], enrolled: ['UGENT'] },
      b: { applied: ['2'], enrolled: ['UGENT'] },
    }),
    feed,
  });
  const early = entry('1', 'a', new Date(t0).toISOString());
  const later = entry('2', 'b', new Date(t0 + 1000).toISOString());

  it('without a settle window a cursor passes an earlier change relayed late, and it is never read', async () => {
    const feed = new MemoryFeed();
    await relayChange(deps(feed), later);
    const first = await read(feed, t0 + 2000, 0);
    assert.equal(first.items.length, 1);
    await relayChange(deps(feed), early); // lands behind the cursor
    const next = await read(feed, t0 + 3000, 0, first.next ?? first.items.at(-1)!.cursor);
    assert.equal(next.items.length, 0);
  });

  it('with it, a read stops at changes younger than the window, so the late one is read in order', async () => {
    const feed = new MemoryFeed();
    await relayChange(deps(feed), later);
    const first = await read(feed, t0 + 2000, FEED_SETTLE_MS);
    assert.equal(first.items.length, 0);
    await relayChange(deps(feed), early);
    const settled = await read(feed, t0 + 1000 + FEED_SETTLE_MS, FEED_SETTLE_MS);
    assert.deepEqual(
      settled.items.map((i) => i.rulingNumber),
      ['1', '2'],
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
    assert.deepEqual([...(feed.feeds.get('UGENT')?.keys() ?? [])], [feedSortKey(ok)]);
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
    const key = feedSortKey(entry('100', 'p1'));
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
