import type { WebhookTransport } from '../ports/index.js';

/**
 * POSTs with the runtime's fetch (undici): the timeout covers the whole exchange (answer and
 * body), a redirect is not followed (a 3xx is not a delivery: the configured URL is the only
 * destination), and the answer's body is discarded unread beyond what closing the stream needs.
 */
export class FetchWebhookTransport implements WebhookTransport {
  async post(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<{ status: number }> {
    const signal = AbortSignal.timeout(timeoutMs);
    const r = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
    await r.body?.cancel().catch(() => undefined);
    return { status: r.status };
  }
}
