/**
 * The daily roll-up of checkpoints (issue 14): the sealer bundles each finished UTC day's
 * checkpoints into one write-once object, and the readers that walk history read a bundle per day
 * instead of a checkpoint per minute. See `shared/domain/audit-days.ts` for the format.
 */
import { cutoffDay, type DayBundle } from '../domain/audit-days.js';
import { CheckpointExistsError, type CheckpointStore, type SignedCheckpoint } from '../ports/audit-seal.js';

/** Days bundled per sealer run at most (a backlog — e.g. the first deploy over a long log — over runs). */
export const MAX_DAYS_PER_RUN = 2;
/** Checkpoints read at once while bundling a day. */
const READ_AHEAD = 64;

/**
 * Bundles the finished days after the newest bundle, at most `maxDays`. A day is finished once a
 * checkpoint with a later cutoff day is stored. Checkpoints missing inside a day stay missing
 * (the verification reports them); an unreadable body joins the day it sits in. Returns the
 * bundles written (a bundle another sealer wrote first counts as done, not written).
 */
export async function rollUpDays(
  store: CheckpointStore,
  maxDays: number = MAX_DAYS_PER_RUN,
): Promise<DayBundle[]> {
  if (!store.putDay || !store.lastDayEnd || !store.get) return [];
  const latest = await store.latest();
  if (!latest) return [];
  const get = store.get.bind(store);
  const written: DayBundle[] = [];
  let next = (await store.lastDayEnd()) + 1;
  let ahead: (SignedCheckpoint | undefined)[] = [];
  let aheadFrom = next;
  const read = async (sequence: number) => {
    if (sequence === latest.sequence) return latest;
    if (sequence < aheadFrom || sequence >= aheadFrom + ahead.length) {
      aheadFrom = sequence;
      const upTo = Math.min(latest.sequence, sequence + READ_AHEAD - 1);
      ahead = await Promise.all(Array.from({ length: upTo - sequence + 1 }, (_, i) => get(sequence + i)));
    }
    return ahead[sequence - aheadFrom];
  };
  for (let attempts = 0; attempts < maxDays && next <= latest.sequence; attempts++) {
    const members: SignedCheckpoint[] = [];
    let day: string | undefined;
    let s = next;
    let finished = false;
    for (; s <= latest.sequence; s++) {
      const cp = await read(s);
      if (!cp) continue;
      const d = cutoffDay(cp);
      if (day !== undefined && d !== undefined && d > day) {
        finished = true;
        break;
      }
      day ??= d;
      members.push(cp);
    }
    if (!finished || day === undefined) break;
    const bundle: DayBundle = { day, first: next, last: s - 1, checkpoints: members };
    try {
      await store.putDay(bundle);
      written.push(bundle);
    } catch (e) {
      if (!(e instanceof CheckpointExistsError)) throw e;
    }
    next = s;
  }
  return written;
}

/**
 * The store as a reader of history sees it: `get` serves a checkpoint from the bundle of its day
 * when one is stored (keeping the last bundle read, so walking a day costs one object), else the
 * checkpoint's own object. Meant for one verification or one proof: it remembers that no bundle
 * reaches a sequence for the rest of its life.
 */
export function readThroughDays(store: CheckpointStore): CheckpointStore {
  if (!store.dayHolding || !store.get) return store;
  const dayHolding = store.dayHolding.bind(store);
  const get = store.get.bind(store);
  let bundle: DayBundle | undefined;
  let members = new Map<number, SignedCheckpoint>();
  let noBundleFrom = Infinity;
  const covers = (sequence: number) => !!bundle && bundle.first <= sequence && sequence <= bundle.last;
  // One lookup at a time: readers asking for many checkpoints of one day at once wait for the
  // first one's bundle instead of each fetching it.
  let lookups: Promise<unknown> = Promise.resolve();
  const lookUp = (sequence: number): Promise<void> => {
    const next = lookups.then(async () => {
      if (covers(sequence) || sequence >= noBundleFrom) return;
      const found = await dayHolding(sequence);
      if (found && found.first <= sequence) {
        bundle = found;
        members = new Map(found.checkpoints.map((c) => [c.sequence, c]));
      } else if (!found) noBundleFrom = sequence;
    });
    lookups = next.catch(() => undefined);
    return next;
  };
  return {
    put: (sequence, body, signature) => store.put(sequence, body, signature),
    list: () => store.list(),
    latest: () => store.latest(),
    async get(sequence: number) {
      if (!covers(sequence) && sequence < noBundleFrom) await lookUp(sequence);
      const cp = covers(sequence) ? members.get(sequence) : undefined;
      return cp ?? get(sequence);
    },
  };
}
