/**
 * The audit table's index attributes: derived from the record by the writer, so each auditor query
 * reads one index partition (see `TABLES.audit.globalIndexes`), and removed again when records
 * are read for hashing — but only when they still agree with the record, so an index attribute
 * edited to hide a record from a query shows as an altered record.
 */
import { InvalidCursorError } from '../../ports/index.js';

/** The attributes a writer adds to a record: `day`, `atId` (`<at>#<id>`), `actorId`, `actorInstitution`. */
export function indexAttributes(record: {
  readonly id: string;
  readonly at: string;
  readonly actor: { readonly id: string; readonly institution?: string };
}): Record<string, string> {
  return {
    day: record.at.slice(0, 10),
    atId: `${record.at}#${record.id}`,
    actorId: record.actor.id,
    ...(record.actor.institution ? { actorInstitution: record.actor.institution } : {}),
  };
}

const INDEX_ATTRIBUTES = ['day', 'atId', 'actorId', 'actorInstitution'] as const;

/**
 * The record without its index attributes, each removed only when it equals what the writer
 * derives from the record as it is now (a disagreeing one is kept, so the record hashes differently).
 */
export function withoutIndexAttributes(item: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...item };
  for (const a of INDEX_ATTRIBUTES) delete rest[a];
  const actor = rest.actor as { id?: unknown; institution?: unknown } | null | undefined;
  let expected: Record<string, string> = {};
  if (typeof rest.id === 'string' && typeof rest.at === 'string' && actor && typeof actor === 'object')
    expected = indexAttributes({
      id: rest.id,
      at: rest.at,
      actor: {
        id: typeof actor.id === 'string' ? actor.id : '',
        ...(typeof actor.institution === 'string' ? { institution: actor.institution } : {}),
      },
    });
  else if (typeof rest.at === 'string') expected = { day: rest.at.slice(0, 10) };
  for (const a of INDEX_ATTRIBUTES) {
    if (item[a] === undefined) continue;
    if (item[a] !== expected[a]) rest[a] = item[a];
  }
  return rest;
}

// ── paging cursors ─────────────────────────────────────────────────────────────────────────

/** What a cursor holds: the index, the key to start after, and (walking days) the day. */
export interface CursorState {
  readonly i: string;
  readonly k?: Record<string, string>;
  readonly d?: string;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Decodes and checks a cursor: it must name `index`, its key must have exactly `keyAttributes`
 * (string values, at most 1 KiB), the partition value must be `partition` (when known) and a day
 * must be a day. Anything else is an `InvalidCursorError` (400), never a DynamoDB error.
 */
export function decodeCursor(
  text: string,
  index: string,
  keyAttributes: readonly string[],
  partition?: { readonly name: string; readonly value: string },
): CursorState {
  if (text.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('not a cursor');
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor');
  }
  if (!state || typeof state !== 'object' || Array.isArray(state))
    throw new InvalidCursorError('not a cursor');
  const s = state as Record<string, unknown>;
  if (s.i !== index) throw new InvalidCursorError('cursor of another query');
  if (Object.keys(s).some((k) => !['i', 'k', 'd'].includes(k))) throw new InvalidCursorError('unknown field');
  if (s.d !== undefined && (typeof s.d !== 'string' || !DAY.test(s.d)))
    throw new InvalidCursorError('bad day');
  if (s.k !== undefined) {
    const k = s.k as Record<string, unknown> | null;
    if (!k || typeof k !== 'object' || Array.isArray(k)) throw new InvalidCursorError('bad key');
    const names = Object.keys(k).sort();
    if (names.join() !== [...keyAttributes].sort().join()) throw new InvalidCursorError('bad key');
    if (
      names.some(
        (n) => typeof k[n] !== 'string' || (k[n] as string).length === 0 || (k[n] as string).length > 1024,
      )
    )
      throw new InvalidCursorError('bad key');
    if (partition && k[partition.name] !== partition.value)
      throw new InvalidCursorError('cursor of another query');
  }
  return s as unknown as CursorState;
}
