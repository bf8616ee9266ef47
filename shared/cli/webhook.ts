/**
 * The change feed's webhooks from the institution's side (issue 16):
 * `ruling-intake changes webhook-key [--out webhook.pem]` fetches the public key that verifies the
 * notifications; `ruling-intake webhook verify --public-key webhook.pem [--max-age 300] < body`
 * checks a received body (signature, type, age) and prints its payload — what a receiver runs.
 *
 * Exit codes: 0 saved / valid; 2 refused input (no or unreadable key, an empty body, a 4xx
 * answer); 5 `verify`: the body does not verify (changed, another key, too old).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { WebhookKey } from '../contract/api.js';
import { DEFAULT_WEBHOOK_MAX_AGE_SECONDS, verifyWebhook } from '../domain/webhook.js';
import { apiClient, CliError, ensureOk, type ApiOptions } from './api-client.js';

interface Out {
  print(s: string): void;
  printJson(v: unknown): void;
}

export async function webhookKeyCommand(
  opts: ApiOptions & { json?: boolean; lang: 'nl' | 'en'; out?: string },
  out: Out,
): Promise<number> {
  const api = await apiClient(opts, 'institution:UGENT');
  const r = await api.call('GET', '/v1/changes/webhook-key');
  ensureOk(r, opts.lang);
  const key = r.body as WebhookKey;
  if (opts.out) await writeFile(opts.out, key.publicKeyPem);
  if (opts.json) out.printJson(key);
  else if (opts.out) out.print(`webhook key ${key.kid} saved to ${opts.out}`);
  else out.print(key.publicKeyPem.trimEnd());
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function webhookVerifyCommand(
  opts: { json?: boolean; publicKey?: string; maxAge?: string },
  out: Out,
  body: () => Promise<string> = readStdin,
): Promise<number> {
  if (!opts.publicKey) throw new CliError('webhook verify needs --public-key <pem>.', 2);
  const maxAgeSeconds = Number(opts.maxAge ?? DEFAULT_WEBHOOK_MAX_AGE_SECONDS);
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1)
    throw new CliError('--max-age must be a whole number of seconds.', 2);
  const pem = await readFile(opts.publicKey, 'utf8').catch(() => {
    throw new CliError(`Cannot read the public key ${opts.publicKey}.`, 2);
  });
  const text = (await body()).trim();
  if (!text) throw new CliError('webhook verify reads the received body on stdin; it was empty.', 2);
  const check = verifyWebhook(text, pem, { maxAgeSeconds });
  if (opts.json) out.printJson(check);
  else if (check.ok) out.printJson(check.payload);
  else process.stderr.write(`webhook INVALID: ${check.reason}.\n`);
  return check.ok ? 0 : 5;
}
