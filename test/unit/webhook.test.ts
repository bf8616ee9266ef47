/**
 * Webhook notifications (issue 16) without a network: the signed body verifies with the webhook
 * key and fails on any changed byte; a body older than the allowed age (or from the future) is
 * refused; delivery counts only a 2xx answer; the relay notifies only institutions with a webhook,
 * once per entry, with the same id when it runs again; the configuration refuses what AWS must not
 * call.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwsWebhookSigner } from '../../shared/adapters/jws-receipt-signer.js';
import { feedSlotKey, type FeedRecord, type OutboxEntry } from '../../shared/domain/feed.js';
import {
  changeNotification,
  parseWebhookTargets,
  verifyWebhook,
  type ChangeNotification,
} from '../../shared/domain/webhook.js';
import type { Signer } from '../../shared/ports/audit-seal.js';
import type { ChangeFeedStore } from '../../shared/ports/index.js';
import { relayChange } from '../../shared/use-cases/change-feed.js';
import { deliverNotification, WebhookDeliveryError } from '../../shared/use-cases/webhooks.js';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer: Signer = {
    sign: async (m) => sign('sha256', m, { key: privateKey, dsaEncoding: 'der' }),
    publicKeyPem: async () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  return { signer, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const NOTE = changeNotification('UGENT', feedSlotKey(42), '2026-12-04T10:00:00.000Z');
const SENT = new Date('2026-12-04T10:00:05.000Z');

describe('a signed notification', () => {
  it('verifies with the webhook key and says which entry of whose feed changed', async () => {
    const { signer, pem } = keyPair();
    const body = await new JwsWebhookSigner(signer).sign({ ...NOTE, sentAt: SENT.toISOString() });
    const check = verifyWebhook(body, pem, { now: SENT });
    assert.ok(check.ok, check.ok ? '' : check.reason);
    assert.deepEqual(check.payload, { ...NOTE, sentAt: SENT.toISOString() });
    assert.equal(check.payload.id, 'UGENT:42');
  });

  it('fails on any changed byte, and with another key', async () => {
    const { signer, pem } = keyPair();
    const body = await new JwsWebhookSigner(signer).sign({ ...NOTE, sentAt: SENT.toISOString() });
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      const other = c === 'A' ? 'B' : c === '.' ? 'x' : 'A';
      const changed = `${body.slice(0, i)}${other}${body.slice(i + 1)}`;
      assert.equal(verifyWebhook(changed, pem, { now: SENT }).ok, false, `byte ${i} changed still verifies`);
    }
    assert.equal(verifyWebhook(body, keyPair().pem, { now: SENT }).ok, false);
  });

  it('is refused once older than the allowed age, or when dated in the future', async () => {
    const { signer, pem } = keyPair();
    const body = await new JwsWebhookSigner(signer).sign({ ...NOTE, sentAt: SENT.toISOString() });
    const at = (s: number) => new Date(SENT.getTime() + s * 1000);
    assert.equal(verifyWebhook(body, pem, { now: at(300) }).ok, true);
    const old = verifyWebhook(body, pem, { now: at(301) });
    assert.equal(old.ok, false);
    assert.match(old.ok ? '' : old.reason, /more than 300 s ago/);
    assert.equal(verifyWebhook(body, pem, { now: at(301), maxAgeSeconds: 600 }).ok, true);
    assert.equal(verifyWebhook(body, pem, { now: at(-120) }).ok, false, 'two minutes ahead of the receiver');
  });
});

describe('delivery', () => {
  const posts: { url: string; body: string; headers: Readonly<Record<string, string>> }[] = [];
  const deps = (answer: () => Promise<{ status: number }>) => ({
    signer: new JwsWebhookSigner(keyPair().signer),
    targets: { UGENT: 'https://hooks.example/ugent?token=t' },
    transport: {
      post: async (url: string, body: string, headers: Readonly<Record<string, string>>) => {
        posts.push({ url, body, headers });
        return answer();
      },
    },
  });

  it('counts a 2xx answer as delivered, with the id and timestamp headers', async () => {
    posts.length = 0;
    assert.deepEqual(
      await deliverNotification(
        deps(async () => ({ status: 204 })),
        NOTE,
        SENT,
      ),
      {
        outcome: 'delivered',
        status: 204,
      },
    );
    assert.equal(posts.length, 1);
    assert.deepEqual(posts[0]!.headers, {
      'content-type': 'application/jose',
      'webhook-id': 'UGENT:42',
      'webhook-timestamp': String(SENT.getTime() / 1000),
    });
  });

  it('fails (to be retried) on any other answer, a redirect, a timeout or a network error', async () => {
    for (const answer of [
      async () => ({ status: 500 }),
      async () => ({ status: 302 }),
      async () => ({ status: 404 }),
      async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      },
    ]) {
      await assert.rejects(deliverNotification(deps(answer), NOTE, SENT), WebhookDeliveryError);
    }
  });

  it('drops a notification for an institution whose webhook was removed (the feed keeps the change)', async () => {
    posts.length = 0;
    const other = changeNotification('KUL', feedSlotKey(1), NOTE.changedAt);
    assert.deepEqual(
      await deliverNotification(
        deps(async () => ({ status: 200 })),
        other,
        SENT,
      ),
      {
        outcome: 'no-webhook',
      },
    );
    assert.equal(posts.length, 0);
  });
});

describe('the relay notifies', () => {
  /** A feed store reduced to what placement needs: put-if-absent positions and marks. */
  function memoryFeed(): ChangeFeedStore {
    const items = new Map<string, Pick<FeedRecord, 'outboxId' | 'changedAt'>>();
    const marks = new Map<string, string>();
    const heads = new Map<string, number>();
    return {
      getOutbox: async () => undefined,
      listPending: async () => [],
      findPlacement: async (i, id) => marks.get(`${i}/${id}`),
      lastPosition: async (i) => heads.get(i) ?? 0,
      claimPosition: async (i, n, record) => {
        const key = `${i}/${n}`;
        if (!items.has(key)) items.set(key, record);
        return items.get(key)!;
      },
      markPlaced: async (i, holder, position) => {
        if (!marks.has(`${i}/${holder.outboxId}`)) marks.set(`${i}/${holder.outboxId}`, position);
      },
      advancePosition: async (i, n) => void heads.set(i, Math.max(heads.get(i) ?? 0, n)),
      markRelayed: async () => undefined,
      readFeed: async () => ({ items: [], more: false }),
    };
  }
  const entry = (rulingNumber: string): OutboxEntry => ({
    outboxId: `o-${rulingNumber}`,
    pseudonym: 'p1',
    rulingNumber,
    nationalNumber: '85.07.30-xxx.28',
    lines: [{ academicYear: '2023-2024', credits: 5 }],
    delta: 5,
    changedAt: '2026-12-04T10:00:00.000Z',
  });

  it('only the institutions with a webhook, once per entry, with the same ids when the relay runs again', async () => {
    const sent: ChangeNotification[] = [];
    const deps = {
      feed: memoryFeed(),
      // Seen by UGENT (enrolled), KUL and VUB (ruling lines); only UGENT and VUB have a webhook.
      ledger: {
        readStudentFile: async () => ({
          student: { appliedRulings: ['1', '2'] },
          entries: [{ institution: 'KUL' }, { institution: 'VUB' }],
          enrolments: [{ institution: 'UGENT' }],
        }),
      } as unknown as Parameters<typeof relayChange>[0]['ledger'],
      notifier: {
        institutions: new Set(['UGENT', 'VUB']),
        notify: async (n: readonly ChangeNotification[]) => void sent.push(...n),
      },
    };
    await relayChange(deps, entry('1'));
    await relayChange(deps, entry('2'));
    await relayChange(deps, entry('1')); // redelivered after a crash before its pending mark went
    assert.deepEqual(
      sent.map((n) => n.id),
      ['UGENT:1', 'VUB:1', 'UGENT:2', 'VUB:2', 'UGENT:1', 'VUB:1'],
    );
    for (const n of sent)
      assert.deepEqual(Object.keys(n).sort(), ['changedAt', 'cursor', 'id', 'institution', 'type']);
    assert.ok(!JSON.stringify(sent).includes('85.07.30'), 'no number, not even masked');
  });
});

describe('the webhook configuration', () => {
  it('accepts register codes with https URLs, and refuses anything else', () => {
    assert.deepEqual(parseWebhookTargets('{"UGENT":"https://hooks.ugent.be/lc"}'), {
      UGENT: 'https://hooks.ugent.be/lc',
    });
    assert.deepEqual(parseWebhookTargets(undefined), {});
    for (const [bad, why] of [
      ['{"NOPE":"https://x.example/"}', /not in the institution register/],
      ['{"UGENT":"http://hooks.ugent.be/lc"}', /must be https/],
      ['{"UGENT":"http://127.0.0.1:9000/lc"}', /must be https/],
      ['{"UGENT":"https://user:pw@hooks.ugent.be/"}', /credentials/],
      ['["UGENT"]', /JSON object/],
    ] as const)
      assert.throws(() => parseWebhookTargets(bad), why);
    // Locally a receiver on the laptop.
    assert.deepEqual(
      parseWebhookTargets('{"UGENT":"http://127.0.0.1:9000/lc"}', { allowLoopbackHttp: true }),
      {
        UGENT: 'http://127.0.0.1:9000/lc',
      },
    );
    assert.throws(
      () => parseWebhookTargets('{"UGENT":"http://10.0.0.1/lc"}', { allowLoopbackHttp: true }),
      /must be https/,
    );
  });
});
