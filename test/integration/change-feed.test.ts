/**
 * The institutions' change feed (issue 16) on the local stack: exactly one item per change and
 * institution under redelivery and crashes (an extract delivered twice, a duplicate upload, a crash
 * right after the balance change, an outbox entry written before its balance change, the relay run
 * twice and interrupted); a student not visible to an institution never appears in its feed; an
 * institution reads its own feed only; every read is audited, one record per call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { outboxEntryOf, outboxItem } from '../../shared/adapters/aws/dynamodb-feed.js';
import { documentClient, relayPorts } from '../../shared/composition/compose.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import type { ChangesPage } from '../../shared/contract/api.js';
import { outboxId, slotOf } from '../../shared/domain/feed.js';
import { maskNationalNumber } from '../../shared/domain/national-number.js';
import { TABLES } from '../../shared/config/resources.js';
import { placeInFeed, relayChange } from '../../shared/use-cases/change-feed.js';
import { extractText, nationalNumber, pdfFromText, upload, waitForStatus, withStack } from './helpers.js';

const UGENT_LINE = { year: '2023-2024', inst: 'UGent', prog: 'Bachelor in de biologie', req: 20, ret: 15 };
const KUL_LINE = { year: '2022-2023', inst: 'KU Leuven', prog: 'Bachelor in de rechten', req: 10, ret: 10 };

describe('the change feed on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  const tokens = new Map<string, string>();
  // Anna: enrolled at UGENT through DHO. Bram: enrolled nowhere; his ruling names KU Leuven.
  const anna = nationalNumber('020304', 301, true);
  const bram = nationalNumber('010203', 303, true);
  const crashed = new Set<string>();

  async function get(who: string, path: string) {
    if (!tokens.has(who)) {
      const [role, institution] = who.split(':') as ['institution' | 'auditor' | 'operator', string?];
      tokens.set(who, await stack.idp.issueToken({ role, ...(institution ? { institution } : {}) }));
    }
    const res = await fetch(`${stack.state.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${tokens.get(who)!}`, accept: 'application/json' },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  async function post(who: string, path: string, csv: string) {
    await get(who, '/v1/openapi.json'); // issues the token
    const res = await fetch(`${stack.state.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(who)!}`, 'content-type': 'text/csv' },
      body: csv,
    });
    assert.equal(res.status, 200, await res.text());
  }
  const feed = async (institution: string, query = '') => {
    const r = await get(`institution:${institution}`, `/v1/changes${query ? `?${query}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as ChangesPage;
  };
  const ruling = (n: string, rrn: string, lines: (typeof UGENT_LINE)[], surname = 'Maes') =>
    pdfFromText(extractText({ ruling: n, rrn, surname, givenNames: 'Lotte', lines }));

  before(async () => {
    stack = await withStack({
      sealEveryMs: 0,
      relayEveryMs: 0,
      // A crash right after the balance change (and its outbox entry), once per intake: the queue
      // delivers the message again.
      overrideDeps: (d) => ({
        ...d,
        afterStep: (step, intakeId) => {
          if (step === 'balance' && !crashed.has(intakeId)) {
            crashed.add(intakeId);
            throw new Error('injected crash after the balance change');
          }
        },
      }),
    });
    await post(
      'operator',
      '/v1/admin/imports/balances',
      `nationalNumber,surname,givenNames,openingBalance\n${anna},Maes,Lotte,140\n${bram},Maes,Lotte,140\n`,
    );
    await post(
      'operator',
      '/v1/admin/imports/enrolments',
      `nationalNumber,institution,academicYear\n${anna},UGENT,2023-2024\n`,
    );
  });
  after(async () => {
    await stack?.dispose();
  });

  it('holds one item per change and institution after crashes, a redelivery, a duplicate upload and repeated relays', async () => {
    const first = await upload(await ruling('81001', anna, [UGENT_LINE]));
    assert.equal((await waitForStatus(first)).status, 'APPLIED');
    assert.ok(crashed.has(first), 'the intake crashed once after the balance change and was redelivered');
    // Nothing relayed yet: the change waits in the outbox (a crash between ledger and relay loses nothing).
    assert.deepEqual((await feed('UGENT')).items, []);
    const again = await upload(await ruling('81001', anna, [UGENT_LINE]));
    assert.equal((await waitForStatus(again)).status, 'DUPLICATE');
    const bramsRuling = await upload(await ruling('81002', bram, [KUL_LINE]));
    assert.equal((await waitForStatus(bramsRuling)).status, 'APPLIED');

    // The emulator has no transactions: an outbox entry may be written and its balance change not
    // (a crash between the two). The relay leaves it waiting; the intake's retry completes it.
    const deps = await intakeDeps();
    const annaP = await deps.keys.mac('pseudonym', anna);
    const early = {
      outboxId: outboxId('81003', annaP),
      pseudonym: annaP,
      rulingNumber: '81003',
      nationalNumber: maskNationalNumber(anna),
      lines: [{ academicYear: '2023-2024', credits: 5 }],
      delta: 5,
      changedAt: new Date().toISOString(),
    };
    await documentClient().send(
      new PutCommand({ TableName: process.env[TABLES.changes.env], Item: outboxItem(early) }),
    );

    assert.deepEqual(await stack.relay(), { relayed: 2, waiting: 1 });
    assert.deepEqual(await stack.relay(), { relayed: 0, waiting: 1 });
    const third = await upload(await ruling('81003', anna, [{ ...UGENT_LINE, req: 5, ret: 5 }]));
    assert.equal((await waitForStatus(third)).status, 'APPLIED');
    assert.deepEqual(await stack.relay(), { relayed: 1, waiting: 0 });

    // A relay that crashed after writing the feeds but before marking the entry runs again (an
    // at-least-once stream): the same stored entry, the same items.
    const stored = await documentClient().send(
      new GetCommand({
        TableName: process.env[TABLES.changes.env],
        Key: { pk: `OUT#${outboxId('81001', annaP)}`, sk: 'OUTBOX' },
      }),
    );
    assert.ok(stored.Item);
    assert.equal(await relayChange(relayPorts(), outboxEntryOf(stored.Item)), 'relayed');
    assert.equal(await relayChange(relayPorts(), outboxEntryOf(stored.Item)), 'relayed');

    const ugent = await feed('UGENT');
    assert.deepEqual(
      ugent.items.map((i) => [i.rulingNumber, i.nationalNumber, i.academicYear, i.delta]),
      [
        ['81001', maskNationalNumber(anna), '2023-2024', 15],
        ['81003', maskNationalNumber(anna), '2023-2024', 5],
      ],
    );
    // The early entry kept its own time: the retry did not write a second one.
    assert.equal(ugent.items[1]!.changedAt, early.changedAt);
    assert.equal(ugent.more, false);
    assert.ok(!JSON.stringify(ugent).includes(anna), 'no full national number in the feed');
  });

  it('never shows a student to an institution that does not see them', async () => {
    const kul = await feed('KUL');
    // Bram's ruling names KU Leuven: KUL sees him; UGENT, where he is not enrolled, does not.
    assert.deepEqual(
      kul.items.map((i) => [i.rulingNumber, i.nationalNumber, i.delta]),
      [['81002', maskNationalNumber(bram), 10]],
    );
    assert.ok(!(await feed('UGENT')).items.some((i) => i.nationalNumber === maskNationalNumber(bram)));
    assert.deepEqual((await feed('VUB')).items, []);
    // The institution is the token's: a parameter naming another changes nothing.
    assert.deepEqual(await feed('VUB', 'institution=KUL'), await feed('VUB'));
    assert.ok(!(await feed('UGENT', 'institution=KUL')).items.some((i) => i.rulingNumber === '81002'));
  });

  it('pages oldest first and resumes after a cursor without repeating or skipping', async () => {
    const one = await feed('UGENT', 'limit=1');
    assert.equal(one.items.length, 1);
    assert.equal(one.more, true);
    const two = await feed('UGENT', `limit=1&after=${one.next!}`);
    assert.deepEqual(
      two.items.map((i) => i.rulingNumber),
      ['81003'],
    );
    assert.equal(two.more, false);
    // Polling from the last position: nothing new, and the same position to poll from again.
    const none = await feed('UGENT', `after=${two.next!}`);
    assert.deepEqual(none.items, []);
    assert.equal(none.next, two.next);
    // A cursor is a position in time only: handed to another institution's call it reads that
    // caller's own feed, never the feed it came from.
    const kul = await feed('KUL');
    const cross = await feed('UGENT', `after=${kul.items[0]!.cursor}`);
    assert.ok(cross.items.every((i) => i.nationalNumber === maskNationalNumber(anna)));
    assert.deepEqual((await feed('VUB', `after=${kul.items[0]!.cursor}`)).items, []);
    const bad = await get('institution:UGENT', '/v1/changes?after=not-a-cursor!');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'INVALID_CURSOR');
  });

  it('with a purpose shows full numbers, audits each student shown with it, and the student sees it in /v1/me', async () => {
    const masked = await feed('UGENT');
    const full = await feed('UGENT', 'purpose=study-progress-decision');
    // The same entries at the same positions; only the number differs. The second entry was put
    // by hand above without the encrypted number (as entries kept from before it was stored): it
    // stays masked, and no one is audited as shown for it.
    assert.deepEqual(
      full.items.map((i) => ({ ...i, nationalNumber: maskNationalNumber(i.nationalNumber) })),
      [
        masked.items[0],
        { ...masked.items[1]!, nationalNumber: maskNationalNumber(masked.items[1]!.nationalNumber) },
      ],
    );
    assert.deepEqual(
      full.items.map((i) => i.nationalNumber),
      [anna, maskNationalNumber(anna)],
    );
    const bad = await get('institution:UGENT', '/v1/changes?purpose=curiosity');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'INVALID_PURPOSE');

    // One record per change shown in full, on Anna, with the purpose; none for the masked read.
    const shown = await get(
      'auditor',
      '/v1/audit/events?action=changes.read-number&institution=UGENT&limit=100',
    );
    const records = shown.json.items as Record<string, unknown>[];
    assert.equal(records.length, 1);
    assert.ok(records.every((r) => r.purpose === 'study-progress-decision' && typeof r.subject === 'string'));
    assert.ok(!JSON.stringify(records).includes(anna), 'audit records carry the pseudonym, never the number');

    // Anna sees who read her number, when and why; Bram (not in UGENT's feed) sees no such read.
    const me = async (nr: string) => {
      const token = await stack.idp.issueToken({ role: 'student', nationalNumber: nr });
      const res = await fetch(`${stack.state.apiUrl}/v1/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      return (
        (await res.json()) as { accesses: { action: string; purpose?: string; institution?: string }[] }
      ).accesses;
    };
    const annas = (await me(anna)).filter((a) => a.action === 'changes.read-number');
    assert.equal(annas.length, 1);
    assert.ok(annas.every((a) => a.purpose === 'study-progress-decision'));
    assert.deepEqual(
      (await me(bram)).filter((a) => a.action === 'changes.read-number'),
      [],
    );
  });

  it('audits every read of a feed, one record per call, with the institution and no person', async () => {
    const before = await reads('VUB');
    await feed('VUB');
    await feed('VUB', 'limit=5');
    const records = await reads('VUB');
    assert.equal(records.length, before.length + 2);
    for (const r of records) {
      assert.equal(r.outcome, 'ALLOWED');
      assert.equal(r.subject, undefined);
      assert.equal((r.actor as { institution?: string }).institution, 'VUB');
    }
  });

  it('on the emulator, relays running at once and twice over give each change one position, 1..n, in one feed', async () => {
    // The store's protocol against real conditional writes: 12 changes for one institution, each
    // relayed twice, all at once; a reader polling meanwhile ends with each exactly once.
    const { feed: store } = relayPorts();
    const institution = 'ODISEE';
    const changes = Array.from({ length: 12 }, (_, i) => ({
      outboxId: outboxId(`9${i}`, `p${i}`),
      pseudonym: `p${i}`,
      rulingNumber: `9${i}`,
      nationalNumber: maskNationalNumber(anna),
      lines: [{ academicYear: '2023-2024', credits: 1 }],
      delta: 1,
      changedAt: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString(),
    }));
    const seen: string[] = [];
    let after: string | undefined;
    const poll = async () => {
      const page = await store.readFeed(institution, after, 5);
      seen.push(...page.items.map((i) => i.rulingNumber));
      after = page.items.at(-1)?.position ?? after;
    };
    let relaying = true;
    const reader = (async () => {
      while (relaying) await poll();
    })();
    const positions = await Promise.all(
      [...changes, ...changes].map((c) => placeInFeed(store, institution, c)),
    );
    relaying = false;
    await reader;
    for (let more = true; more;) {
      const before = seen.length;
      await poll();
      more = seen.length > before;
    }
    assert.deepEqual(
      [...new Set(positions)].map(slotOf).sort((a, b) => a! - b!),
      changes.map((_, i) => i + 1),
    );
    assert.deepEqual(positions.slice(0, 12), positions.slice(12), 'a second relay finds the first position');
    assert.deepEqual([...seen].sort(), changes.map((c) => c.rulingNumber).sort());
  });

  async function reads(institution: string): Promise<Record<string, unknown>[]> {
    const r = await get(
      'auditor',
      `/v1/audit/events?action=changes.read&institution=${institution}&limit=1000`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.items as Record<string, unknown>[];
  }
});
