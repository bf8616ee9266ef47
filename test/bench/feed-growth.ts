/**
 * Growth (issue 16) of an institution's change feed on dynalite: polling the newest page, reading
 * the first page, and placing a new change (`placeInFeed`: the hint, the mark, the next position)
 * with 1k / 10k / 100k changes already in the feed. Time and items read per call through the real
 * adapter and a client that counts reads; the ratio largest ÷ smallest. The feed is seeded as the
 * relay leaves it: positions 1..n, one mark each, the hint at n.
 * `node --import tsx test/bench/feed-growth.ts 1000,10000,100000`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEmulators } from '../../infra/local/emulators.js';
import { DynamoChangeFeedStore } from '../../shared/adapters/aws/dynamodb-feed.js';
import { CHANGE_KEYS } from '../../shared/config/resources.js';
import { feedSlotKey, outboxId, type OutboxEntry } from '../../shared/domain/feed.js';
import { placeInFeed } from '../../shared/use-cases/change-feed.js';
import { countingDocumentClient } from '../support/counting-dynamo.js';
import { int, ms, ratio, stats, table } from './stats.js';

const INSTITUTION = 'UGENT';
const PAGE = 50;
const WARMUP = 5;

const change = (i: number): OutboxEntry => ({
  outboxId: outboxId(`R${i}`, `p${i}`),
  pseudonym: `p${i}`,
  rulingNumber: `R${i}`,
  nationalNumber: '85.07.30-xxx.28',
  lines: [{ academicYear: '2024-2025', credits: 6 }],
  delta: 6,
  changedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
});

interface Measure {
  readonly ms: number;
  readonly items: number;
  readonly requests: number;
}

async function one(n: number, runs: number): Promise<Record<'poll' | 'first' | 'place', Measure>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ruling-intake-feed-growth-'));
  const emulators = await startEmulators({ dataDir });
  try {
    const { db, reads } = countingDocumentClient(emulators.dynamoEndpoint);
    const table = emulators.tables.changes;
    const pk = `${CHANGE_KEYS.feedPrefix}${INSTITUTION}`;
    const items = Array.from({ length: n }, (_, k) => {
      const { pseudonym: _p, ...record } = change(k);
      return [
        { pk, sk: feedSlotKey(k + 1), type: 'FEED', ...record },
        { pk, sk: `MARK#${record.outboxId}`, type: 'FEED_MARK', position: feedSlotKey(k + 1) },
      ];
    }).flat();
    for (let i = 0; i < items.length; i += 25)
      await db.send(
        new BatchWriteCommand({
          RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    await db.send(new PutCommand({ TableName: table, Item: { pk, sk: 'HEAD', position: n } }));
    const store = new DynamoChangeFeedStore(db, table);

    const measure = async (fn: (run: number) => Promise<unknown>): Promise<Measure> => {
      const samples: number[] = [];
      let counted = { items: 0, requests: 0 };
      // The first calls warm the code up (JIT) and are not measured.
      for (let run = 0; run < runs + WARMUP; run++) {
        reads.reset();
        const t = performance.now();
        await fn(run);
        if (run < WARMUP) continue;
        samples.push(performance.now() - t);
        counted = { items: reads.items, requests: reads.requests };
      }
      return { ms: stats(samples).median, ...counted };
    };
    const poll = await measure(() => store.readFeed(INSTITUTION, feedSlotKey(n - PAGE), PAGE));
    const first = await measure(() => store.readFeed(INSTITUTION, undefined, PAGE));
    const place = await measure((run) => placeInFeed(store, INSTITUTION, change(n + run)));
    return { poll, first, place };
  } finally {
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchFeedGrowthSection(sizes: readonly number[], runs: number): Promise<string[]> {
  const results = new Map<number, Awaited<ReturnType<typeof one>>>();
  for (const n of sizes) {
    const t = performance.now();
    results.set(n, await one(n, runs));
    process.stderr.write(
      `[bench] feed growth ${n} changes: ${((performance.now() - t) / 1000).toFixed(0)} s\n`,
    );
  }
  const first = sizes[0]!;
  const labels = {
    poll: `poll: the ${PAGE} newest after a cursor`,
    first: `the first page (${PAGE})`,
    place: 'place a new change (relay)',
  } as const;
  const rows = (['poll', 'first', 'place'] as const).flatMap((kind) =>
    sizes.map((n) => {
      const m = results.get(n)![kind];
      const a = results.get(first)![kind];
      return [
        `${labels[kind]} @ ${int(n)}`,
        ms(m.ms, 2),
        int(m.items),
        int(m.requests),
        n === first ? '' : `${ratio(m.ms, a.ms)} time, ${ratio(m.items, a.items)} items`,
      ];
    }),
  );
  return [
    '### Change feed: reads and placements',
    '',
    `One institution's feed holding ${sizes.map(int).join(' / ')} changes on dynalite through the real adapter (test/bench/feed-growth.ts): median of ${runs} calls (after ${WARMUP} unmeasured), items read per call (Query items evaluated and GetItem keys) and requests. A poll and a placement read what they return or touch, never the history: the position is the sort key, and the last-position hint starts the placement at the end.`,
    '',
    ...table(['', 'ms (median)', 'items read', 'requests', `÷ ${int(first)}`], rows),
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
  process.stdout.write(
    `${(await benchFeedGrowthSection(sizes, Number(process.argv[3] ?? 21))).join('\n')}\n`,
  );
  process.exit(0);
}
