/**
 * Clerks of DBRC upload extracts and follow what became of them. They never delete, and they
 * see only their own uploads.
 */
import type { Principal } from '../domain/principal.js';
import { extractKey, uploaderSegment } from '../domain/extract-keys.js';
import { LIMITS } from '../domain/limits.js';
import { newIntakeId } from '../domain/ledger.js';
import { RequestRefusedError } from './errors.js';
import type { CreateUpload, Page, PublicStatus } from '../contract/api.js';
import {
  InvalidCursorError,
  type IntakeControl,
  type IntakeStatus,
  type IntakeStatusStore,
  type UploadSigner,
} from '../ports/index.js';

export interface ClerkDeps {
  readonly statuses: IntakeStatusStore;
  readonly uploads: UploadSigner;
  /** The pause switch, when this deployment lets the clerk see it: RECEIVED then says "paused". */
  readonly control?: IntakeControl;
}

/** The uploader segment of object keys: the clerk's subject when it is key-safe, else a hash of it. */
export function uploaderOf(p: Principal): string {
  return uploaderSegment(p.sub);
}

export type { CreateUpload, Page, PublicStatus } from '../contract/api.js';

export function publicStatus(s: IntakeStatus, paused = false): PublicStatus {
  return {
    intakeId: s.intakeId,
    status: s.status,
    receivedAt: s.receivedAt,
    updatedAt: s.updatedAt,
    ...(s.code ? { code: s.code } : {}),
    ...(s.field ? { field: s.field } : {}),
    ...(s.message ? { message: s.message } : {}),
    ...(s.rulingNumber ? { rulingNumber: s.rulingNumber } : {}),
    ...(paused && s.status === 'RECEIVED' ? { paused: true } : {}),
    ...(s.sha256 ? { sha256: s.sha256 } : {}),
    ...(s.parentIntakeId ? { parentIntakeId: s.parentIntakeId } : {}),
  };
}

/** Whether intake is paused, for the clerk's statuses (false when the switch cannot be read). */
async function intakePaused(deps: ClerkDeps): Promise<boolean> {
  return deps.control ? deps.control.isPaused().catch(() => false) : false;
}

const EXPIRES_SECONDS = 15 * 60;

/** 1. new intake id; 2. status AWAITING_UPLOAD; 3. a presigned POST limited to that key, PDF, 10 MiB. */
export async function createUpload(deps: ClerkDeps, p: Principal, now: Date): Promise<CreateUpload> {
  const uploader = uploaderOf(p);
  const intakeId = newIntakeId(now);
  const key = extractKey(uploader, intakeId);
  const at = now.toISOString();
  await deps.statuses.received({
    intakeId,
    uploader,
    key,
    receivedAt: at,
    updatedAt: at,
    status: 'AWAITING_UPLOAD',
  });
  const upload = await deps.uploads.presignPost(key, {
    maxBytes: LIMITS.maxExtractBytes,
    expiresSeconds: EXPIRES_SECONDS,
  });
  return { intakeId, upload, expiresAt: new Date(now.getTime() + EXPIRES_SECONDS * 1000).toISOString() };
}

/** A bad `limit` (1…max). */
export function limitOf(query: Record<string, string>, max = 200, fallback = 50): number {
  const limit = query.limit ? Number(query.limit) : fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new RequestRefusedError('invalid', 'INVALID_LIMIT', {
      nl: `limit moet tussen 1 en ${max} liggen.`,
      en: `limit must be from 1 to ${max}.`,
    });
  }
  return limit;
}

/** One page of a status store, a cursor it did not hand out refused as 400 INVALID_CURSOR. */
export async function statusPage(
  statuses: IntakeStatusStore,
  selection: Parameters<IntakeStatusStore['page']>[0],
  query: Record<string, string>,
): Promise<Page<IntakeStatus>> {
  try {
    return await statuses.page(selection, {
      limit: limitOf(query),
      ...(query.next ? { next: query.next } : {}),
    });
  } catch (e) {
    if (e instanceof InvalidCursorError)
      throw new RequestRefusedError('invalid', 'INVALID_CURSOR', {
        nl: 'Ongeldige paginacursor.',
        en: 'Invalid page cursor.',
      });
    throw e;
  }
}

/** The clerk's own uploads, newest first, one page at a time (the byUploader index: costs the page). */
export async function listUploads(
  deps: ClerkDeps,
  p: Principal,
  query: Record<string, string>,
): Promise<Page<PublicStatus>> {
  const [page, paused] = await Promise.all([
    statusPage(deps.statuses, { uploader: uploaderOf(p) }, query),
    intakePaused(deps),
  ]);
  return { items: page.items.map((s) => publicStatus(s, paused)), ...(page.next ? { next: page.next } : {}) };
}

export async function getUpload(deps: ClerkDeps, p: Principal, intakeId: string): Promise<PublicStatus> {
  const s = await deps.statuses.get(intakeId);
  // Another clerk's upload looks exactly like a missing one.
  if (!s || s.uploader !== uploaderOf(p)) {
    throw new RequestRefusedError('not-found', 'NOT_FOUND', {
      nl: 'Geen opgeladen uittreksel met dit nummer.',
      en: 'No upload with this id.',
    });
  }
  return publicStatus(s, await intakePaused(deps));
}
