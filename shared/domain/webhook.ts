/**
 * Webhook notifications of the institutions' change feed (issue 16): thin, signed, no personal
 * data. A notification only says "your feed has a new entry at this position"; the receiver then
 * reads `GET /v1/changes?after=<its last cursor>` (authenticated, audited) for the change itself.
 * So a leaked, misrouted or logged notification discloses nothing about a student.
 *
 * - `id` is `<institution>:<position>`: a relay redelivered after a crash finds the same positions
 *   (placement is idempotent) and sends the same ids again, and a delivery retried by the queue
 *   carries the same id — receivers deduplicate by `id` (at-least-once delivery).
 * - The body is a compact JWS (ES256, RFC 7515), `typ` `learning-credit-change+jwt`, `kid` the
 *   RFC 7638 thumbprint of the webhook key; the payload adds `sentAt`, which `verifyWebhook` bounds
 *   (a replayed old body is refused).
 *
 * Pure: node:crypto only.
 */
import { verify as cryptoVerify } from 'node:crypto';
import { defaultRegister, type InstitutionRegister } from './institutions.js';
import { encodeFeedCursor, slotOf } from './feed.js';
import { jwkThumbprint, publicKeyOf, type PublicKeyInput } from './receipt.js';

export const WEBHOOK_EVENT_TYPE = 'learning-credit.changes';
export const WEBHOOK_JWS_TYPE = 'learning-credit-change+jwt';
/** What `verifyWebhook` accepts by default between `sentAt` and now (seconds). */
export const DEFAULT_WEBHOOK_MAX_AGE_SECONDS = 300;
/** How far a `sentAt` may lie in the future (clock skew between sender and receiver). */
const MAX_CLOCK_SKEW_SECONDS = 60;

/** What is queued for one institution when its feed gains an entry. No person in it. */
export interface ChangeNotification {
  readonly type: typeof WEBHOOK_EVENT_TYPE;
  /** `<institution>:<position>`: the same for every redelivery of this entry. */
  readonly id: string;
  readonly institution: string;
  /** The entry's cursor; `GET /v1/changes?after=<the receiver's previous cursor>` returns it. */
  readonly cursor: string;
  /** When the ledger changed (ISO). */
  readonly changedAt: string;
}

/** The signed payload: the notification and when this attempt was sent. */
export interface WebhookPayload extends ChangeNotification {
  readonly sentAt: string;
}

/** The notification of a feed entry at `position` (a `SEQ#…` sort key) of `institution`'s feed. */
export function changeNotification(
  institution: string,
  position: string,
  changedAt: string,
): ChangeNotification {
  const n = slotOf(position);
  if (n === undefined) throw new TypeError(`not a feed position: ${position}`);
  return {
    type: WEBHOOK_EVENT_TYPE,
    id: `${institution}:${n}`,
    institution,
    cursor: encodeFeedCursor(position),
    changedAt,
  };
}

/** A notification as read back from a queue message; undefined when it is not one. */
export function parseNotification(body: string): ChangeNotification | undefined {
  let x: Partial<ChangeNotification>;
  try {
    x = JSON.parse(body) as Partial<ChangeNotification>;
  } catch {
    return undefined;
  }
  if (
    !x ||
    x.type !== WEBHOOK_EVENT_TYPE ||
    typeof x.id !== 'string' ||
    typeof x.institution !== 'string' ||
    typeof x.cursor !== 'string' ||
    typeof x.changedAt !== 'string' ||
    !x.id.startsWith(`${x.institution}:`)
  )
    return undefined;
  return { type: x.type, id: x.id, institution: x.institution, cursor: x.cursor, changedAt: x.changedAt };
}

/** The protected header of every notification. */
export function webhookHeader(kid: string): Record<string, string> {
  return { alg: 'ES256', typ: WEBHOOK_JWS_TYPE, kid };
}

/** The headers of a delivery (besides `content-type: application/jose`). */
export function webhookHeaders(payload: WebhookPayload): Record<string, string> {
  return {
    'content-type': 'application/jose',
    'webhook-id': payload.id,
    'webhook-timestamp': String(Math.floor(Date.parse(payload.sentAt) / 1000)),
  };
}

export type WebhookCheck =
  { readonly ok: true; readonly payload: WebhookPayload } | { readonly ok: false; readonly reason: string };

function fromB64u(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

const fail = (reason: string): WebhookCheck => ({ ok: false, reason });

/**
 * What a receiver runs on a received body: the JWS form, header (ES256, our `typ`, the key's
 * `kid`), the signature with the webhook public key, the payload's shape, and that `sentAt` is at
 * most `maxAgeSeconds` old (and not more than a minute ahead). Any changed byte fails.
 */
export function verifyWebhook(
  body: string,
  publicKey: PublicKeyInput,
  options: { readonly now?: Date; readonly maxAgeSeconds?: number } = {},
): WebhookCheck {
  let key;
  try {
    key = publicKeyOf(publicKey);
  } catch (e) {
    return fail(`the public key is unusable: ${(e as Error).message}`);
  }
  const parts = body.trim().split('.');
  if (parts.length !== 3) return fail('the body is not a compact JWS (three dot-separated parts)');
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = fromB64u(h);
  const payloadBytes = fromB64u(p);
  const signature = fromB64u(s);
  if (!headerBytes || !payloadBytes || !signature) return fail('the body is not valid base64url');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('the header is not JSON');
  }
  if (header.alg !== 'ES256' || header.typ !== WEBHOOK_JWS_TYPE || 'crit' in header)
    return fail(`the header is not an ES256 ${WEBHOOK_JWS_TYPE}`);
  if (header.kid !== jwkThumbprint(key)) return fail('the header names another key (kid)');
  if (signature.length !== 64) return fail('the signature is not an ES256 signature');
  let valid: boolean;
  try {
    valid = cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    valid = false;
  }
  if (!valid) return fail('the signature does not verify with the webhook key');
  let payload: WebhookPayload;
  try {
    payload = JSON.parse(payloadBytes.toString('utf8')) as WebhookPayload;
  } catch {
    return fail('the payload is not JSON');
  }
  const note = parseNotification(payloadBytes.toString('utf8'));
  const sentAt = typeof payload.sentAt === 'string' ? Date.parse(payload.sentAt) : NaN;
  if (!note || Number.isNaN(sentAt)) return fail('the payload is not a change notification');
  const now = (options.now ?? new Date()).getTime();
  const maxAge = options.maxAgeSeconds ?? DEFAULT_WEBHOOK_MAX_AGE_SECONDS;
  if (now - sentAt > maxAge * 1000) return fail(`sent at ${payload.sentAt}, more than ${maxAge} s ago`);
  if (sentAt - now > MAX_CLOCK_SKEW_SECONDS * 1000) return fail(`sent at ${payload.sentAt}, in the future`);
  return { ok: true, payload: { ...note, sentAt: payload.sentAt } };
}

/** Institution code → webhook URL. */
export type WebhookTargets = Readonly<Record<string, string>>;

/**
 * The webhook configuration (`WEBHOOK_TARGETS`, CDK context `webhooks`): a JSON object of
 * institution code → URL. Only codes of the register; only `https://` URLs without credentials —
 * except, with `allowLoopbackHttp` (the local stack), `http://127.0.0.1`/`localhost`. Throws a
 * message naming the offending entry (never a URL's query string). Empty/undefined: `{}`.
 */
export function parseWebhookTargets(
  value: unknown,
  options: { readonly allowLoopbackHttp?: boolean; readonly register?: InstitutionRegister } = {},
): WebhookTargets {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new TypeError('must be a JSON object of institution code → URL');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError('must be a JSON object of institution code → URL');
  const register = options.register ?? defaultRegister;
  const out: Record<string, string> = {};
  for (const [code, url] of Object.entries(parsed)) {
    if (!register.byInstitutionCode(code)) throw new TypeError(`${code} is not in the institution register`);
    let u: URL;
    try {
      u = new URL(String(url));
    } catch {
      throw new TypeError(`the URL of ${code} is not a URL`);
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(options.allowLoopbackHttp && loopback && u.protocol === 'http:'))
      throw new TypeError(
        `the URL of ${code} must be https://${options.allowLoopbackHttp ? ' (or http://127.0.0.1 locally)' : ''}`,
      );
    if (u.username || u.password) throw new TypeError(`the URL of ${code} must not carry credentials`);
    out[code] = u.toString();
  }
  return out;
}
