/**
 * `ruling-intake receipt <intakeId> [--out file.jws] [--public-key-out key.pem]`: fetches the signed
 * receipt of a final outcome (as the clerk of the upload) and saves it (and with --public-key-out
 * the two public keys, the receipt key and the audit log key, in one PEM file); `ruling-intake
 * receipt verify <file> --public-key <pem> [--log-key <pem>]` checks a receipt offline with those
 * keys alone (README, "DBRC: signed receipts").
 *
 * Exit codes: 0 saved / valid; 2 refused input (unreadable file or key, an API answer 4xx: another
 * clerk's or an unknown upload); 3 not yet: the extract is not final or its decision is not sealed
 * into the audit log yet (retry in a minute); 5 `verify`: the receipt does not verify.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Receipt } from '../contract/api.js';
import { keysForReceipt, pemBlocks, verifyReceipt } from '../domain/receipt.js';
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
  if (opts.publicKeyOut) await writeFile(opts.publicKeyOut, keyBundle(body));
  if (opts.json) out.printJson(body);
  else if (opts.out) out.print(`receipt of ${intakeId} saved to ${opts.out}`);
  else out.print(body.receipt);
  return 0;
}

/** The two public keys as one PEM file: the receipt key, then the audit log's key, each labelled. */
function keyBundle(body: Receipt): string {
  return [
    '# ruling-intake receipt key: verifies the receipt (JWS) itself',
    body.publicKeyPem.trim(),
    "# ruling-intake audit log key: verifies the signed tree head of the receipt's inclusion proof",
    body.logPublicKeyPem.trim(),
    '',
  ].join('\n');
}

export async function receiptVerifyCommand(
  file: string,
  opts: { json?: boolean; publicKey?: string; logKey?: string },
  out: Out,
): Promise<number> {
  if (!opts.publicKey) throw new CliError('receipt verify needs --public-key <pem>.', 2);
  const read = (path: string, what: string) =>
    readFile(path, 'utf8').catch(() => {
      throw new CliError(`Cannot read the ${what} ${path}.`, 2);
    });
  const jws = await read(file, 'receipt');
  const pems = [
    ...pemBlocks(await read(opts.publicKey, 'public key')),
    ...(opts.logKey ? pemBlocks(await read(opts.logKey, 'audit log key')) : []),
  ];
  const keys = keysForReceipt(jws, pems);
  if (!keys)
    throw new CliError(
      'A receipt is checked with two different public keys — the receipt key and the audit log key: give a file with both (`receipt --public-key-out` writes it) or add --log-key <pem>.',
      2,
    );
  const check = verifyReceipt(jws, keys);
  if (opts.json) out.printJson(check);
  else if (check.ok) {
    const p = check.payload;
    out.print(
      `receipt valid: intake ${p.intakeId} ${p.outcome}${p.code ? ` ${p.code}` : ''}${p.rulingNumber ? `, ruling ${p.rulingNumber}` : ''}, decided ${p.decidedAt}; audit record ${p.proof.recordId} is leaf ${p.proof.leafIndex} of signed tree head ${p.proof.head.sequence}.`,
    );
  } else process.stderr.write(`receipt INVALID: ${check.reason}.\n`);
  return check.ok ? 0 : 5;
}
