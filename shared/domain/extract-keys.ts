/**
 * The object keys of uploaded extracts: `incoming/<uploader>/<intakeId>.pdf`. One definition of
 * the layout and of what a key-safe uploader and intake id are; keys carry no personal data.
 */
import { sha256Hex } from './canonical.js';

/** Clerks may only put objects under this prefix. */
export const UPLOAD_PREFIX = 'incoming/';

const INTAKE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$/;
const UPLOADER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Page images of held scans, for the operator's review: `review/<intakeId>/page-<n>.png`. */
export const REVIEW_PREFIX = 'review/';

/** Object key of the image of page `page` (1-based) of a held scan. */
export function reviewImageKey(intakeId: string, page: number): string {
  return `${REVIEW_PREFIX}${intakeId}/page-${page}.png`;
}

/** Object key of an upload. */
export function extractKey(uploader: string, intakeId: string): string {
  return `${UPLOAD_PREFIX}${uploader}/${intakeId}.pdf`;
}

/** The uploader segment of object keys: the clerk's subject when it is key-safe, else a hash of it. */
export function uploaderSegment(subject: string): string {
  return UPLOADER.test(subject) ? subject : `u${sha256Hex(subject).slice(0, 32)}`;
}

/**
 * The intake id and uploader of an object key. Keys written by the upload API/CLI are
 * `incoming/<uploader>/<intakeId>.pdf`; anything else gets an id derived from the key, so a stray
 * object is still accounted for (and its key, which may be anything, is never logged).
 */
export function intakeIdentity(key: string): { intakeId: string; uploader: string } {
  const rest = key.startsWith(UPLOAD_PREFIX) ? key.slice(UPLOAD_PREFIX.length) : key;
  const m = /^([^/]+)\/([^/]+)\.pdf$/i.exec(rest);
  if (m && UPLOADER.test(m[1]!) && INTAKE_ID.test(m[2]!)) return { uploader: m[1]!, intakeId: m[2]! };
  return { uploader: 'unknown', intakeId: strayIntakeId(key) };
}

/** The intake id of an object no upload of the API accounts for, derived from its key. */
export function strayIntakeId(key: string): string {
  return `k${sha256Hex(key).slice(0, 31)}`;
}

/** The intake of the n-th distinct object under one upload key (n ≥ 2: posted over the first). */
export function laterIntakeId(intakeId: string, n: number): string {
  return n <= 1 ? intakeId : `${intakeId}-${n}`;
}
