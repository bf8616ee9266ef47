/** Shared pieces of the reliability suite. */
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import type { ExtractStore, IntakeStatus } from '../../shared/ports/index.js';

/** The reason codes of docs/extract-format.md for an extract that is not applied. */
export const REJECTION_CODES: ReadonlySet<string> = new Set([
  'NOT_A_PDF',
  'PDF_ENCRYPTED',
  'PDF_DAMAGED',
  'NO_TEXT_LAYER',
  'HIDDEN_TEXT',
  'PDF_TOO_COMPLEX',
  'TOO_LARGE',
  'MISSING_FIELD',
  'INVALID_FIELD',
  'INVALID_RRN',
  'TOTALS_MISMATCH',
  'NOT_GRANTED',
  'UNKNOWN_INSTITUTION',
]);

/**
 * The fast-check seed of a fuzz test: `RELIABILITY_SEED` when set (`random` draws one), else a
 * fixed seed, so that `npm test` is the same run every time and a new finding never shows up as
 * a flaky build; explore with `RELIABILITY_SEED=random RELIABILITY_FUZZ_RUNS=5000`.
 */
export function fuzzSeed(name: string): number {
  const env = process.env.RELIABILITY_SEED;
  const seed = env === 'random' ? Date.now() % 2 ** 31 : env ? Number(env) : 20_261_122;
  process.stderr.write(`[reliability] ${name}: RELIABILITY_SEED=${seed}\n`);
  return seed;
}

/**
 * A reproducible random source (xorshift32). The seed comes from `RELIABILITY_SEED` or the clock
 * and is part of every assertion message, so a failure can be replayed.
 */
export function seededRandom(name: string): { seed: number; next(): number; int(n: number): number } {
  const env = process.env.RELIABILITY_SEED;
  const seed = Number(env && env !== 'random' ? env : Date.now() % 2 ** 31) >>> 0 || 1;
  let x = seed;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
  process.stderr.write(`[reliability] ${name}: RELIABILITY_SEED=${seed}\n`);
  return { seed, next, int: (n) => Math.floor(next() * n) };
}

export function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A surname made of letters only, distinct per index, that no message or test name contains. */
export function syntheticSurname(stem: string, i: number): string {
  const a = String.fromCharCode(97 + (i % 26));
  const b = String.fromCharCode(97 + (Math.floor(i / 26) % 26));
  return `${stem}${a}${b}`;
}

const deleteChains = new WeakMap<Map<string, DeleteRecord>, Map<string, Promise<unknown>>>();

export interface DeleteRecord {
  calls: number;
  removed: number;
  /** Status of the intake at the moment each delete was called (outcome must come first). */
  statusesAtDelete: string[];
}

/**
 * Wraps the extract store to count, per object key, the deletes and how many versions they
 * removed, and to note the intake status each delete found (the outcome is recorded first).
 *
 * Deletes of one key are serialised here, as S3 itself serialises them: without that, two
 * concurrent deletes (two deliveries of one message in flight at once) would both see the object
 * in the adapter's existence check and both count it, although only one removed it.
 */
export function countingExtracts(inner: ExtractStore, deletes: Map<string, DeleteRecord>): ExtractStore {
  // One wrapper per batch (the handler composes its ports per invocation): share the chains.
  const chains = deleteChains.get(deletes) ?? new Map<string, Promise<unknown>>();
  deleteChains.set(deletes, chains);
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (chains.get(key) ?? Promise.resolve()).then(fn);
    chains.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  };
  return {
    get: (key, max, versionId) => inner.get(key, max, versionId),
    put: (key, bytes, metadata) => inner.put(key, bytes, metadata),
    tagOutcome: (key, outcome, versionId) => inner.tagOutcome(key, outcome, versionId),
    exists: (key) => inner.exists(key),
    deleteAllVersions: (key) => inner.deleteAllVersions(key),
    deleteObject: (key, ref) =>
      serial(key, async () => {
        const intakeId = /\/([^/]+)\.pdf$/.exec(key)?.[1] ?? '';
        const status = await (await intakeDeps()).statuses.get(intakeId);
        const removed = await inner.deleteObject(key, ref);
        const r = deletes.get(key) ?? { calls: 0, removed: 0, statusesAtDelete: [] };
        r.calls++;
        r.removed += removed;
        r.statusesAtDelete.push(status?.status ?? 'NONE');
        deletes.set(key, r);
        return removed;
      }),
  };
}

/** Every intake status message (both languages), code and field, as one text for the privacy scan. */
export function statusText(statuses: readonly (IntakeStatus | undefined)[]): string {
  return statuses
    .map((s) =>
      s ? [s.status, s.code, s.field, s.message?.nl, s.message?.en].filter(Boolean).join(' | ') : '',
    )
    .join('\n');
}
