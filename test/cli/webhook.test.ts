/**
 * `ruling-intake webhook verify` as a receiver runs it: 0 and the payload for a body signed with
 * the webhook key, 5 for a changed body, another key or a body older than --max-age, 2 without a
 * usable key or body.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JwsWebhookSigner } from '../../shared/adapters/jws-receipt-signer.js';
import { CliError } from '../../shared/cli/api-client.js';
import { webhookVerifyCommand } from '../../shared/cli/webhook.js';
import { feedSlotKey } from '../../shared/domain/feed.js';
import { changeNotification } from '../../shared/domain/webhook.js';

describe('ruling-intake webhook verify', () => {
  let dir: string;
  let pem: string;
  let otherPem: string;
  let body: string;
  let oldBody: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webhook-cli-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = new JwsWebhookSigner({
      sign: async (m) => sign('sha256', m, { key: privateKey, dsaEncoding: 'der' }),
      publicKeyPem: async () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    pem = join(dir, 'webhook.pem');
    await writeFile(pem, publicKey.export({ type: 'spki', format: 'pem' }));
    otherPem = join(dir, 'other.pem');
    await writeFile(
      otherPem,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const note = changeNotification('UGENT', feedSlotKey(7), '2026-12-04T10:00:00.000Z');
    body = await signer.sign({ ...note, sentAt: new Date().toISOString() });
    oldBody = await signer.sign({ ...note, sentAt: new Date(Date.now() - 600_000).toISOString() });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const run = async (opts: Parameters<typeof webhookVerifyCommand>[0], input: string) => {
    const printed: unknown[] = [];
    const code = await webhookVerifyCommand(
      opts,
      { print: (s) => printed.push(s), printJson: (v) => printed.push(v) },
      async () => `${input}\n`,
    ).catch((e: unknown) => (e instanceof CliError ? e.exitCode : -1));
    return { code, printed };
  };

  it('0 and the payload for a valid body; 5 for a changed one, another key or an old one', async () => {
    const ok = await run({ publicKey: pem }, body);
    assert.equal(ok.code, 0);
    assert.equal((ok.printed[0] as { id: string }).id, 'UGENT:7');
    const flipped = `${body.slice(0, 40)}${body[40] === 'A' ? 'B' : 'A'}${body.slice(41)}`;
    assert.equal((await run({ publicKey: pem }, flipped)).code, 5);
    assert.equal((await run({ publicKey: otherPem }, body)).code, 5);
    assert.equal((await run({ publicKey: pem }, oldBody)).code, 5);
    assert.equal((await run({ publicKey: pem, maxAge: '900' }, oldBody)).code, 0);
  });

  it('2 without a key, with an unreadable key or an empty body', async () => {
    assert.equal((await run({}, body)).code, 2);
    assert.equal((await run({ publicKey: join(dir, 'none.pem') }, body)).code, 2);
    assert.equal((await run({ publicKey: pem }, '')).code, 2);
  });
});
