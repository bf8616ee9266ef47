/**
 * `ruling-intake receipt` exit codes against a stand-in API: 3 while not final or not sealed yet
 * (worth a retry), 2 for a refusal (another clerk's upload: 404), and `receipt verify`: 2 for an
 * unreadable file or fewer than two keys, 5 for a receipt that does not verify.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError } from '../../shared/cli/api-client.js';
import { receiptCommand, receiptVerifyCommand } from '../../shared/cli/receipt.js';

const out = { print: () => undefined, printJson: () => undefined };

describe('ruling-intake receipt: exit codes', () => {
  let server: Server;
  let endpoint: string;
  let dir: string;
  before(async () => {
    server = createServer((req, res) => {
      const [status, code] = req.url!.includes('waiting')
        ? [409, 'NOT_SEALED_YET']
        : req.url!.includes('open')
          ? [409, 'NOT_FINAL']
          : [404, 'NOT_FOUND'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code, message: { nl: code, en: code } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'receipt-cli-'));
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const exit = async (p: Promise<number>) =>
    p.catch((e: unknown) => (e instanceof CliError ? e.exitCode : -1));

  it('3 while not final or not sealed yet, 2 when refused', async () => {
    const opts = { endpoint, token: 't', lang: 'en' as const };
    assert.equal(await exit(receiptCommand('waiting', opts, out)), 3);
    assert.equal(await exit(receiptCommand('open', opts, out)), 3);
    assert.equal(await exit(receiptCommand('someone-elses', opts, out)), 2);
  });

  it('verify: 2 for a missing file or key, 5 for a receipt that does not verify', async () => {
    const key = () =>
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
    const pem = join(dir, 'keys.pem');
    await writeFile(pem, `${key()}${key()}`);
    const one = join(dir, 'one.pem');
    await writeFile(one, key());
    const bad = join(dir, 'bad.jws');
    await writeFile(bad, 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA\n');
    assert.equal(await exit(receiptVerifyCommand(join(dir, 'none.jws'), { publicKey: pem }, out)), 2);
    assert.equal(await exit(receiptVerifyCommand(bad, {}, out)), 2);
    assert.equal(await exit(receiptVerifyCommand(bad, { publicKey: pem, json: true }, out)), 5);
    // One key is not enough: the receipt key and the audit log key are two keys.
    assert.equal(await exit(receiptVerifyCommand(bad, { publicKey: one }, out)), 2);
    assert.equal(await exit(receiptVerifyCommand(bad, { publicKey: one, logKey: one }, out)), 2);
  });
});
