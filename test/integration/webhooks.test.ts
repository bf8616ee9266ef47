/**
 * Webhook delivery of the change feed (issue 16) on the local stack: a loopback receiver per
 * institution. A ruling for a student an institution sees → exactly one signed POST per change,
 * verifiable with the key of `GET /v1/changes/webhook-key`, whose cursor leads to the change in
 * `GET /v1/changes`, with no personal data in it; a receiver failing twice gets the same
 * `webhook-id` a third time and is delivered; one that always fails is dead-lettered after
 * `WEBHOOKS.maxReceives` attempts while the feed keeps the change, and once its receiver is back
 * the operator's redrive delivers it once, with the same id; an institution without a webhook gets
 * no request.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ChangesPage, WebhookKey } from '../../shared/contract/api.js';
import { WEBHOOKS } from '../../shared/config/resources.js';
import { maskNationalNumber } from '../../shared/domain/national-number.js';
import { verifyWebhook, WEBHOOK_EVENT_TYPE } from '../../shared/domain/webhook.js';
import { extractText, nationalNumber, pdfFromText, upload, waitForStatus, withStack } from './helpers.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A receiver on 127.0.0.1: records every request; `/flaky` answers 500 twice, then 200; `/down`
 * 500 until `recover()`.
 */
async function startReceiver(): Promise<{
  server: Server;
  url: string;
  received: Received[];
  recover: () => void;
}> {
  const received: Received[] = [];
  let flaky = 0;
  let down = true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = path === '/down' && down ? 500 : path === '/flaky' && ++flaky <= 2 ? 500 : 200;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    recover: () => void (down = false),
  };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !cond();) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const line = (inst: string) => ({
  year: '2023-2024',
  inst,
  prog: 'Bachelor in de biologie',
  req: 20,
  ret: 15,
});

describe('webhooks on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  // Anna at UGENT (webhook, answers 200), Bram at KUL (webhook, 500 twice), Cas at UA (webhook,
  // always 500), Dirk at VUB (no webhook).
  const anna = nationalNumber('020304', 311, true);
  const bram = nationalNumber('010203', 313, true);
  const cas = nationalNumber('000102', 315, true);
  const dirk = nationalNumber('990101', 317);
  const tokens = new Map<string, string>();

  async function api(who: string, path: string, init: RequestInit = {}) {
    if (!tokens.has(who)) {
      const [role, institution] = who.split(':') as ['institution' | 'operator' | 'auditor', string?];
      tokens.set(who, await stack.idp.issueToken({ role, ...(institution ? { institution } : {}) }));
    }
    return fetch(`${stack.state.apiUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${tokens.get(who)!}`, ...(init.headers ?? {}) },
    });
  }
  async function importCsv(path: string, csv: string) {
    const r = await api('operator', path, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    assert.equal(r.status, 200, await r.text());
  }
  const requestsTo = (path: string) => receiver.received.filter((r) => r.path === path);

  before(async () => {
    receiver = await startReceiver();
    stack = await withStack({
      sealEveryMs: 0,
      relayEveryMs: 0,
      webhookRetryDelayMs: 20,
      webhooks: {
        UGENT: `${receiver.url}/ok?secret=abc`,
        KUL: `${receiver.url}/flaky`,
        UA: `${receiver.url}/down`,
      },
    });
    await importCsv(
      '/v1/admin/imports/balances',
      `nationalNumber,surname,givenNames,openingBalance\n${anna},Maes,Lotte,140\n${bram},Peeters,Lotte,140\n${cas},Claes,Lotte,140\n${dirk},Wouters,Lotte,140\n`,
    );
    await importCsv(
      '/v1/admin/imports/enrolments',
      `nationalNumber,institution,academicYear\n${anna},UGENT,2023-2024\n${bram},KUL,2023-2024\n${cas},UA,2023-2024\n${dirk},VUB,2023-2024\n`,
    );
    const rulings: [string, string, string, string][] = [
      ['82001', anna, 'UGent', 'Maes'],
      ['82002', bram, 'KU Leuven', 'Peeters'],
      ['82003', cas, 'Universiteit Antwerpen', 'Claes'],
      ['82004', dirk, 'Vrije Universiteit Brussel', 'Wouters'],
    ];
    for (const [n, rrn, inst, surname] of rulings) {
      const id = await upload(
        await pdfFromText(extractText({ ruling: n, rrn, surname, givenNames: 'Lotte', lines: [line(inst)] })),
      );
      assert.equal((await waitForStatus(id)).status, 'APPLIED', n);
    }
    assert.deepEqual(await stack.relay(), { relayed: 4, waiting: 0 });
    await waitFor(
      () => stack.webhookQueue.stats().deadLetters === 1,
      'the failing receiver to be dead-lettered',
    );
    await stack.webhookQueue.drain();
  });
  after(async () => {
    await stack?.dispose();
    receiver?.server.close();
  });

  it('posts one signed notification per change that verifies with the published key and leads to the change', async () => {
    const posts = requestsTo('/ok');
    assert.equal(posts.length, 1, 'exactly one POST for one change');
    const [post] = posts as [Received];
    assert.equal(post.headers['content-type'], 'application/jose');
    const keyRes = await api('institution:UGENT', '/v1/changes/webhook-key');
    assert.equal(keyRes.status, 200);
    const key = (await keyRes.json()) as WebhookKey;
    const check = verifyWebhook(post.body, key.publicKeyPem);
    assert.ok(check.ok, check.ok ? '' : check.reason);
    const { payload } = check;
    assert.equal(payload.type, WEBHOOK_EVENT_TYPE);
    assert.equal(payload.institution, 'UGENT');
    assert.equal(post.headers['webhook-id'], payload.id);
    assert.equal(post.headers['webhook-timestamp'], String(Math.floor(Date.parse(payload.sentAt) / 1000)));
    const header = JSON.parse(Buffer.from(post.body.split('.')[0]!, 'base64url').toString('utf8')) as {
      kid: string;
    };
    assert.equal(header.kid, key.kid);
    // The cursor names the change in the institution's own feed (an audited read).
    const feed = (await (await api('institution:UGENT', '/v1/changes')).json()) as ChangesPage;
    const item = feed.items.find((i) => i.cursor === payload.cursor);
    assert.equal(item?.rulingNumber, '82001');
    // No personal data: neither the number (full or masked) nor a name, in the body or the headers.
    const everything = `${post.body}${Buffer.from(post.body.split('.')[1]!, 'base64url').toString('utf8')}${JSON.stringify(post.headers)}`;
    for (const secret of [anna, maskNationalNumber(anna), anna.replace(/\D/g, ''), 'Maes', 'Lotte'])
      assert.ok(!everything.includes(secret), `the notification holds ${secret}`);
  });

  it('retries a receiver that answers 500 with the same webhook-id and delivers on the third attempt', () => {
    const posts = requestsTo('/flaky');
    assert.equal(posts.length, 3);
    assert.equal(new Set(posts.map((p) => p.headers['webhook-id'])).size, 1, 'the same webhook-id each time');
    assert.match(String(posts[0]!.headers['webhook-id']), /^KUL:\d+$/);
  });

  it('dead-letters a notification after the configured attempts, and the feed still holds the change', async () => {
    assert.equal(requestsTo('/down').length, WEBHOOKS.maxReceives);
    const [dead] = await stack.webhookQueue.deadLetters();
    assert.match(JSON.parse(dead!.body).id as string, /^UA:\d+$/);
    const feed = (await (await api('institution:UA', '/v1/changes')).json()) as ChangesPage;
    assert.deepEqual(
      feed.items.map((i) => i.rulingNumber),
      ['82003'],
    );
    // The operator sees it beside the intake's counts.
    const intake = (await (await api('operator', '/v1/admin/intake')).json()) as {
      queue?: Record<string, number>;
    };
    assert.equal(intake.queue?.webhookDeadLetters, 1);
  });

  it('sends nothing for an institution without a webhook, and nothing more than one POST per change', () => {
    assert.deepEqual([...new Set(receiver.received.map((r) => r.path))].sort(), ['/down', '/flaky', '/ok']);
    assert.equal(receiver.received.length, 1 + 3 + WEBHOOKS.maxReceives);
  });

  it('redrives the dead letter once the receiver is back: delivered once with the same id, audited, and a second redrive finds nothing', async () => {
    const [dead] = await stack.webhookQueue.deadLetters();
    const id = JSON.parse(dead!.body).id as string;
    // Only the operator may, and only a queue that has dead letters.
    assert.equal(
      (await api('institution:UA', '/v1/admin/dead-letters/webhooks:redrive', { method: 'POST' })).status,
      403,
    );
    const unknown = await api('operator', '/v1/admin/dead-letters/ledger:redrive', { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'UNKNOWN_QUEUE');

    receiver.recover();
    const before = requestsTo('/down').length;
    const r = await api('operator', '/v1/admin/dead-letters/webhooks:redrive', { method: 'POST' });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { queue: 'webhooks', state: 'MOVED', messages: 1 });
    await waitFor(() => requestsTo('/down').length === before + 1, 'the redriven notification');
    await stack.webhookQueue.drain();
    const last = requestsTo('/down').at(-1)!;
    assert.equal(last.headers['webhook-id'], id, 'the same id: receivers deduplicate');
    assert.equal(stack.webhookQueue.stats().deadLetters, 0);
    assert.equal(requestsTo('/down').length, before + 1, 'delivered once, not retried');

    const again = await api('operator', '/v1/admin/dead-letters/webhooks:redrive', { method: 'POST' });
    assert.deepEqual(await again.json(), { queue: 'webhooks', state: 'EMPTY', messages: 0 });
    const intake = await api('operator', '/v1/admin/dead-letters/intake:redrive', { method: 'POST' });
    assert.deepEqual(await intake.json(), { queue: 'intake', state: 'EMPTY', messages: 0 });
    // Each request is in the audit trail, naming the queue (nothing personal).
    const events = (await (await api('auditor', '/v1/audit/events?action=dead-letters.redrive')).json()) as {
      items: { actor: { role: string }; details?: Record<string, unknown>; outcome: string }[];
    };
    assert.deepEqual(events.items.map((e) => [e.actor.role, e.details?.queue, e.outcome]).sort(), [
      ['operator', 'intake', 'REQUESTED'],
      ['operator', 'webhooks', 'REQUESTED'],
      ['operator', 'webhooks', 'REQUESTED'],
    ]);
  });
});
