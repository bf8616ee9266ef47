/** `ruling-intake audit verify`: through the API, or offline with an exported public key. */
import { apiClient, ensureOk, type ApiOptions } from './api-client.js';

export async function auditVerifyCommand(
  opts: ApiOptions & { json?: boolean; lang: 'nl' | 'en'; from?: string; to?: string; publicKey?: string },
  out: { print(s: string): void; printJson(v: unknown): void },
): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const q = new URLSearchParams();
  if (opts.from) q.set('from', opts.from);
  if (opts.to) q.set('to', opts.to);
  const r = await api.call('GET', `/v1/audit/verify?${q}`);
  ensureOk(r, opts.lang);
  const b = r.body as { ok: boolean };
  if (opts.json) out.printJson(b);
  else out.print(b.ok ? 'audit trail verified: intact' : `audit trail BROKEN: ${JSON.stringify(b)}`);
  return b.ok ? 0 : 5;
}
