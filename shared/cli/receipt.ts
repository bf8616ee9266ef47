/**
 * `ruling-intake receipt <intakeId> [--out file.jws] [--public-key-out key.pem]`: fetches the signed
 * receipt of a final outcome (as the clerk of the upload) and saves it; `ruling-intake receipt
 * verify <file> --public-key <pem>` checks a receipt offline with that key alone (README, "DBRC:
 * signed receipts").
 *
 * Exit codes: 0 saved / valid; 2 refused input (unreadable file or key, an API answer 4xx: another
 * clerk's or an unknown upload); 3 not yet: the extract is not final or its decision is not sealed
 * into the audit log yet (retry in a minute); 5 `verify`: the receipt does not verify.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Receipt } from '../contract/api.js';
import { verifyReceipt } from '../domain/receipt.js';
import { apiClient, CliError, ensureOk, type ApiOptions } from './api-client.js';

interface Out {
  print(s: string): void;
  printJson(v: unknown): void;
}

/** How long `receipt --wait` waits for the decision to be sealed (the sealer runs every minute on AWS). */
const RECEIPT_WAIT_MS = 150_000;

function notSealedYet(body: unknown): boolean {
  return JSON.stringify(body ?? '').includes('NOT_SEALED_YET');
}

export async function receiptCommand(
  intakeId: string,
  opts: ApiOptions & {
    json?: boolean;
    lang: 'nl' | 'en';
    out?: string;
    publicKeyOut?: string;
    wait?: boolean;
  },
  out: Out,
): Promise<number> {
  const api = await apiClient(opts, 'clerk');
  const get = () => api.call('GET', `/v1/intakes/${encodeURIComponent(intakeId)}/receipt`);
  let r = await get();
  // --wait: a decision is sealed within about a minute (every 10 s locally); not final stays not final.
  for (
    const deadline = Date.now() + RECEIPT_WAIT_MS;
    opts.wait && r.status === 409 && notSealedYet(r.body) && Date.now() < deadline;
  ) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    r = await get();
  }
  try {
    ensureOk(r, opts.lang);
  } catch (e) {
    // 409: not final, or not sealed yet — worth a retry, unlike a refusal.
    if (r.status === 409) throw new CliError((e as Error).message, 3);
    throw e;
  }
  const body = r.body as Receipt;
  if (opts.out) await writeFile(opts.out, `${body.receipt}\n`);
  if (opts.publicKeyOut) await writeFile(opts.publicKeyOut, body.publicKeyPem);
  if (opts.json) out.printJson(body);
  else if (opts.out) out.print(`receipt of ${intakeId} saved to ${opts.out}`);
  else out.print(body.receipt);
  return 0;
}

export async function receiptVerifyCommand(
  file: string,
  opts: { json?: boolean; publicKey?: string },
  out: Out,
): Promise<number> {
  if (!opts.publicKey) throw new CliError('receipt verify needs --public-key <pem>.', 2);
  const jws = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`Cannot read the receipt ${file}.`, 2);
  });
  const key = await readFile(opts.publicKey, 'utf8').catch(() => {
    throw new CliError(`Cannot read the public key ${opts.publicKey}.`, 2);
  });
  const check = verifyReceipt(jws, key);
  if (opts.json) out.printJson(check);
  else if (check.ok) {
    const p = check.payload;
    out.print(
      `receipt valid: intake ${p.intakeId} ${p.outcome}${p.code ? ` ${p.code}` : ''}${p.rulingNumber ? `, ruling ${p.rulingNumber}` : ''}, decided ${p.decidedAt}; audit record ${p.proof.recordId} is leaf ${p.proof.leafIndex} of signed tree head ${p.proof.head.sequence}.`,
    );
  } else process.stderr.write(`receipt INVALID: ${check.reason}.\n`);
  return check.ok ? 0 : 5;
}
