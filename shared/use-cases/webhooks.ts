/**
 * Webhook delivery of the institutions' change feed (issue 16): one queued notification → one
 * signed POST to the institution's URL. The queue retries (visibility timeout) and dead-letters;
 * this use case only decides delivered / not delivered.
 */
import type { Principal } from '../domain/principal.js';
import { webhookHeaders, type ChangeNotification, type WebhookTargets } from '../domain/webhook.js';
import type { WebhookSigner, WebhookTransport } from '../ports/index.js';
import { RequestRefusedError } from './errors.js';

/** How long a receiver has to answer one delivery. */
export const WEBHOOK_TIMEOUT_MS = 5000;

export interface WebhookDeliveryDeps {
  readonly signer: WebhookSigner;
  readonly transport: WebhookTransport;
  readonly targets: WebhookTargets;
  readonly timeoutMs?: number;
}

/** A receiver that answered other than 2xx (or not at all): the queue retries the notification. */
export class WebhookDeliveryError extends Error {
  readonly code = 'WEBHOOK_NOT_DELIVERED';
  constructor(
    readonly institution: string,
    readonly id: string,
    /** The HTTP status, or undefined for a timeout or network error. */
    readonly status: number | undefined,
  ) {
    super(`webhook ${id} of ${institution} not delivered (${status ?? 'no answer'})`);
    this.name = 'WebhookDeliveryError';
  }
}

export type DeliveryResult =
  | { readonly outcome: 'delivered'; readonly status: number }
  /** The institution's webhook was removed from the configuration since the notification was queued. */
  | { readonly outcome: 'no-webhook' };

/**
 * Delivers one notification.
 * Primary course: 1. the institution's URL from the configuration (none any more: dropped — the
 * feed still holds the change); 2. sign the notification with `sentAt` (each attempt is signed
 * anew, so a receiver's age check holds for a late retry); 3. POST it (`application/jose`,
 * `webhook-id`, `webhook-timestamp`) within the timeout; 4. a 2xx answer is delivered, anything
 * else throws `WebhookDeliveryError` (retried by the queue, then dead-lettered).
 */
export async function deliverNotification(
  deps: WebhookDeliveryDeps,
  note: ChangeNotification,
  now: Date,
): Promise<DeliveryResult> {
  const url = deps.targets[note.institution];
  if (!url) return { outcome: 'no-webhook' };
  const payload = { ...note, sentAt: now.toISOString() };
  const body = await deps.signer.sign(payload);
  let status: number | undefined;
  try {
    ({ status } = await deps.transport.post(
      url,
      body,
      webhookHeaders(payload),
      deps.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    ));
  } catch {
    status = undefined;
  }
  if (status === undefined || status < 200 || status > 299)
    throw new WebhookDeliveryError(note.institution, note.id, status);
  return { outcome: 'delivered', status };
}

/**
 * `GET /v1/changes/webhook-key`: the public key that verifies the notifications, and its `kid`.
 * Institutions only (the key is public, but the route belongs to the feed's readers).
 */
export async function webhookKey(
  deps: { readonly webhooks: Pick<WebhookSigner, 'publicKey'> },
  p: Principal,
): Promise<{ publicKeyPem: string; kid: string }> {
  if (p.role !== 'institution' || !p.institution) {
    throw new RequestRefusedError('invalid', 'NOT_AN_INSTITUTION', {
      nl: 'Alleen een instelling ontvangt webhooks.',
      en: 'Only an institution receives webhooks.',
    });
  }
  const { publicKeyPem, kid } = await deps.webhooks.publicKey();
  return { publicKeyPem, kid };
}
