/**
 * Daily roll-up of the per-minute checkpoints (pure). Once a UTC day is over — a checkpoint with
 * a later cutoff day exists — the sealer writes ONE write-once object holding that day's
 * checkpoints exactly as stored (bodies and signatures): the day bundle. Readers that walk the
 * history (the full verification, bisection for a window or a record) read one object per day
 * instead of one per minute: about 7,300 objects for 20 years instead of 10.5 million.
 *
 * A bundle adds no trust of its own: every checkpoint in it is checked as if read alone (its
 * signature, its sequence, its link to the previous one), so an altered bundle shows as an
 * altered checkpoint. The per-minute objects stay (they are the write-once originals).
 *
 * Stored as `-daily/<12-digit last sequence>.json` beside the checkpoints: names sort as the
 * sequences do, so the bundle that holds sequence s is the first whose name sorts at or after
 * s's, and `-` sorts before every digit, so listing what follows the latest checkpoint never
 * walks the bundles.
 */
import {
  checkpointName,
  parseCheckpointFile,
  sequenceOfName,
  serializeCheckpoint,
  type SignedCheckpoint,
} from './audit-chain.js';

export interface DayBundle {
  /** The UTC day (YYYY-MM-DD) of its checkpoints' cutoffs. */
  readonly day: string;
  /** The first and last sequence it covers (a gap inside stays a gap). */
  readonly first: number;
  readonly last: number;
  readonly checkpoints: readonly SignedCheckpoint[];
}

/** The folder (key prefix below the checkpoints' own) of the day bundles. */
export const DAY_BUNDLE_FOLDER = '-daily/';

/** `-daily/000000001440.json`: the bundle ending with checkpoint `last`. */
export function dayBundleName(last: number): string {
  return `${DAY_BUNDLE_FOLDER}${checkpointName(last)}`;
}

/** The last sequence a bundle name stands for, or undefined for any other name. */
export function lastOfDayBundleName(name: string): number | undefined {
  return name.startsWith(DAY_BUNDLE_FOLDER)
    ? sequenceOfName(name.slice(DAY_BUNDLE_FOLDER.length))
    : undefined;
}

/** The UTC day of a checkpoint's cutoff, or undefined when its body has none. */
export function cutoffDay(cp: SignedCheckpoint): string | undefined {
  const cutoff = (cp.body as { cutoff?: unknown } | null | undefined)?.cutoff;
  return typeof cutoff === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(cutoff) ? cutoff.slice(0, 10) : undefined;
}

/** The stored form: each checkpoint as its own stored file would read (`serializeCheckpoint`). */
export function serializeDayBundle(bundle: DayBundle): string {
  return `${JSON.stringify({
    version: 1,
    kind: 'audit-day',
    day: bundle.day,
    first: bundle.first,
    last: bundle.last,
    checkpoints: bundle.checkpoints.map((c) => ({
      sequence: c.sequence,
      ...(JSON.parse(serializeCheckpoint(c.body as never, c.signature)) as object),
    })),
  })}\n`;
}

/** Reads a stored bundle; undefined when it is unreadable (the readers then fall back to the minutes). */
export function parseDayBundle(text: string): DayBundle | undefined {
  try {
    const b = JSON.parse(text) as {
      version?: unknown;
      day?: unknown;
      first?: unknown;
      last?: unknown;
      checkpoints?: unknown;
    };
    if (
      b.version !== 1 ||
      typeof b.day !== 'string' ||
      !Number.isSafeInteger(b.first) ||
      !Number.isSafeInteger(b.last) ||
      !Array.isArray(b.checkpoints)
    )
      return undefined;
    const checkpoints: SignedCheckpoint[] = [];
    for (const c of b.checkpoints as { sequence?: unknown }[]) {
      if (!c || typeof c !== 'object' || !Number.isSafeInteger(c.sequence)) return undefined;
      checkpoints.push(parseCheckpointFile(c.sequence as number, JSON.stringify(c)));
    }
    return { day: b.day, first: b.first as number, last: b.last as number, checkpoints };
  } catch {
    return undefined;
  }
}
