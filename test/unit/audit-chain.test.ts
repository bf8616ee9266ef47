/**
 * The audit chain, pure: build a chain of signed checkpoints over records, tamper with the records
 * or the checkpoints in every way the issue names, and check that each is detected and that
 * `firstProblem` names the right record or checkpoint. Then the same as a property.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  nextTree,
  buildCheckpoint,
  canonicalBytes,
  canonicalJson,
  chainRoot,
  checkpointHash,
  checkpointName,
  parseCheckpointFile,
  pemVerifier,
  recordHash,
  selectForSealing,
  sequenceOfName,
  serializeCheckpoint,
  verifyChain,
  ZERO_HASH,
  type ChainProblem,
  type ChainVerification,
  type CheckpointBody,
  type SignedCheckpoint,
  type VerifyChainInput,
} from '../../shared/domain/audit-chain.js';
import type { AuditRecord } from '../../shared/ports/index.js';

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const BASE = Date.parse('2025-03-01T08:00:00.000Z');
const iso = (ms: number) => new Date(BASE + ms).toISOString();

type Rec = AuditRecord & Record<string, unknown>;

function record(i: number, atMs: number, extra: Partial<Rec> = {}): Rec {
  return {
    id: `r-${String(i).padStart(4, '0')}`,
    at: iso(atMs),
    actor: { id: 'clerk-1', role: 'clerk' },
    action: i % 2 ? 'credit.read' : 'ledger.apply-ruling',
    subject: `pseudonym-${i % 3}`,
    purpose: 'enrolment',
    outcome: 'ALLOWED',
    requestId: `req-${i}`,
    details: { intakeId: `in-${i}`, credits: i },
    ...extra,
  };
}

const signBody = (body: unknown, key: KeyObject = keys.privateKey): Uint8Array =>
  sign('sha256', canonicalBytes(body), { key, dsaEncoding: 'der' });

/** Seals `records` into one checkpoint per cutoff (ms offsets), as the sealer would. */
function chain(records: readonly Rec[], cutoffs: readonly number[]): SignedCheckpoint[] {
  const out: SignedCheckpoint[] = [];
  let previous: CheckpointBody | undefined;
  let lower = -Infinity;
  for (const c of cutoffs) {
    const group = records.filter((r) => Date.parse(r.at) - BASE > lower && Date.parse(r.at) - BASE <= c);
    const body = buildCheckpoint(previous, group, iso(c + 500), { cutoff: iso(c) });
    out.push({ sequence: body.sequence, body, signature: signBody(body) });
    previous = body;
    lower = c;
  }
  return out;
}

function verify(
  checkpoints: readonly SignedCheckpoint[],
  records: readonly object[],
  extra: Partial<VerifyChainInput> = {},
): ChainVerification {
  return verifyChain({
    checkpoints,
    records: records as Rec[],
    verifySignature: pemVerifier(publicPem),
    ...extra,
  });
}

/** 12 records one second apart, three checkpoints of four, and two pending records after them. */
function fixture() {
  const records = Array.from({ length: 14 }, (_, i) => record(i, i * 1000));
  const checkpoints = chain(records, [3500, 7500, 11500]);
  return { records, checkpoints };
}

const kinds = (r: ChainVerification) => r.problems.map((p) => `${p.kind}:${p.recordId ?? p.checkpoint}`);
const first = (r: ChainVerification): Partial<ChainProblem> | null =>
  r.firstProblem && {
    kind: r.firstProblem.kind,
    ...(r.firstProblem.recordId !== undefined ? { recordId: r.firstProblem.recordId } : {}),
    ...(r.firstProblem.checkpoint !== undefined ? { checkpoint: r.firstProblem.checkpoint } : {}),
  };
const body = (c: SignedCheckpoint) => c.body as CheckpointBody;

describe('canonical form and hashes', () => {
  it('sorts keys at every level, drops undefined, keeps types apart', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined }),
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
    assert.equal(canonicalJson({ n: 39 }) === canonicalJson({ n: '39' }), false);
    assert.equal(canonicalJson(new Set(['b', 'a'])), '{"$set":["a","b"]}');
    assert.equal(canonicalJson(new Uint8Array([1, 2])), '{"$binary":"AQI="}');
    assert.equal(canonicalJson({ é: 'ü', a: 'x' }), '{"a":"x","é":"ü"}');
    assert.equal(recordHash({ a: 1, b: 2 }), recordHash({ b: 2, a: 1 }));
  });

  it('roots chain the record hashes onto the previous checkpoint', () => {
    assert.equal(chainRoot(ZERO_HASH, []), ZERO_HASH);
    const h = recordHash({ x: 1 });
    assert.notEqual(chainRoot(ZERO_HASH, [h, h]), chainRoot(ZERO_HASH, [h]));
    assert.notEqual(chainRoot('1'.repeat(64), [h]), chainRoot(ZERO_HASH, [h]));
  });

  it('builds checkpoints with the documented fields, in (at, id) order', () => {
    const { checkpoints } = fixture();
    const [c1, c2] = checkpoints.map(body);
    assert.deepEqual(Object.keys(c1!).sort(), [
      'count',
      'cutoff',
      'from',
      'previous',
      'records',
      'root',
      'sealedAt',
      'sequence',
      'to',
      'tree',
      'version',
    ]);
    assert.equal(c1!.sequence, 1);
    assert.equal(c1!.previous, ZERO_HASH);
    assert.equal(c2!.previous, checkpointHash(c1));
    assert.equal(c1!.count, 4);
    assert.deepEqual(
      c1!.records.map((e) => e.id),
      ['r-0000', 'r-0001', 'r-0002', 'r-0003'],
    );
    assert.equal(c1!.from, iso(0));
    assert.equal(c1!.to, iso(3000));
    // Same instant: ordered by id, whatever the input order.
    const tie = buildCheckpoint(undefined, [record(2, 0), record(1, 0)], iso(10));
    assert.deepEqual(
      tie.records.map((e) => e.id),
      ['r-0001', 'r-0002'],
    );
    assert.throws(() => buildCheckpoint(c1, [record(1, 0)], iso(9000)), /outside/);
  });

  it('stores checkpoints as files any reader can re-verify', () => {
    const { checkpoints } = fixture();
    const c = checkpoints[0]!;
    const text = serializeCheckpoint(body(c), c.signature);
    const back = parseCheckpointFile(1, text);
    assert.ok(pemVerifier(publicPem)(canonicalBytes(back.body), back.signature));
    assert.equal(parseCheckpointFile(1, '{not json').body, undefined);
    assert.equal(checkpointName(42), '000000000042.json');
    assert.equal(sequenceOfName('000000000042.json'), 42);
    assert.equal(sequenceOfName('42.json'), undefined);
  });

  it('accepts only an EC P-256 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    assert.throws(() => pemVerifier(rsa.toString()), /P-256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    assert.throws(() => pemVerifier(p384), /P-256/);
  });
});

describe('selecting what to seal', () => {
  const recs = [record(1, 1000), record(2, 2000), record(3, 2000), record(4, 3000), record(5, 9000)];

  it('takes the window (after, upTo] only', () => {
    const s = selectForSealing(recs, { after: iso(1000), upTo: iso(3000) });
    assert.deepEqual(
      s.records.map((r) => r.id),
      ['r-0002', 'r-0003', 'r-0004'],
    );
    assert.equal(s.cutoff, iso(3000));
    assert.equal(s.more, false);
  });

  it('caps a checkpoint between two distinct instants', () => {
    const s = selectForSealing(recs, { after: undefined, upTo: iso(9000), maxRecords: 2 });
    // r-0002 and r-0003 share an instant: the cut falls before them.
    assert.deepEqual(
      s.records.map((r) => r.id),
      ['r-0001'],
    );
    assert.equal(s.cutoff, iso(1000));
    assert.equal(s.more, true);
    const s3 = selectForSealing(recs, { after: undefined, upTo: iso(9000), maxRecords: 3 });
    assert.deepEqual(
      s3.records.map((r) => r.id),
      ['r-0001', 'r-0002', 'r-0003'],
    );
    assert.equal(s3.cutoff, iso(2000));
  });

  it('refuses records whose time is not a canonical ISO instant', () => {
    const s = selectForSealing([...recs, record(9, 0, { at: '2025-03-01T08:00:01Z' })], {
      after: undefined,
      upTo: iso(9000),
    });
    assert.deepEqual(
      s.refused.map((r) => r.id),
      ['r-0009'],
    );
  });
});

describe('verifying the chain', () => {
  it('passes an untouched chain; records after the last cutoff are pending', () => {
    const { records, checkpoints } = fixture();
    const r = verify(checkpoints, records);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.equal(r.firstProblem, null);
    assert.equal(r.checkedRecords, 12);
    assert.equal(r.checkedCheckpoints, 3);
    assert.equal(r.pending, 2);
    assert.equal(r.latestSequence, 3);
    assert.equal(r.sealedUpTo, iso(11500));
  });

  it('passes whatever order the table returns records and the store returns checkpoints in', () => {
    const { records, checkpoints } = fixture();
    assert.equal(verify([...checkpoints].reverse(), [...records].reverse()).ok, true);
  });

  it('ALTERED: a changed field, a changed type, an added attribute', () => {
    const { records, checkpoints } = fixture();
    for (const change of [
      { outcome: 'DENIED' },
      { details: { intakeId: 'in-5', credits: '5' } },
      { note: 'added later' },
    ]) {
      const tampered = records.map((r) => (r.id === 'r-0005' ? { ...r, ...change } : r));
      const r = verify(checkpoints, tampered);
      assert.equal(r.ok, false);
      assert.deepEqual(kinds(r), ['ALTERED:r-0005']);
      assert.deepEqual(first(r), { kind: 'ALTERED', recordId: 'r-0005', checkpoint: 2 });
    }
  });

  it('REMOVED: a deleted record', () => {
    const { records, checkpoints } = fixture();
    const r = verify(
      checkpoints,
      records.filter((x) => x.id !== 'r-0006'),
    );
    assert.deepEqual(kinds(r), ['REMOVED:r-0006']);
    assert.deepEqual(first(r), { kind: 'REMOVED', recordId: 'r-0006', checkpoint: 2 });
  });

  it('INSERTED: a record with an old timestamp that no checkpoint lists', () => {
    const { records, checkpoints } = fixture();
    const forged = record(99, 4500, { id: 'forged' });
    const r = verify(checkpoints, [...records, forged]);
    assert.deepEqual(kinds(r), ['INSERTED:forged']);
    assert.deepEqual(first(r), { kind: 'INSERTED', recordId: 'forged', checkpoint: 2 });
    // Before the first checkpoint's records, and exactly on a cutoff.
    const early = record(98, -60_000, { id: 'early' });
    const onCutoff = record(97, 7500, { id: 'on-cutoff' });
    const r2 = verify(checkpoints, [...records, early, onCutoff]);
    assert.deepEqual(kinds(r2), ['INSERTED:early', 'INSERTED:on-cutoff']);
    assert.equal(r2.firstProblem?.recordId, 'early');
    // After the last cutoff: pending, not a problem.
    assert.equal(verify(checkpoints, [...records, record(96, 11_600, { id: 'late' })]).pending, 3);
  });

  it('REORDERED: two records whose times were swapped', () => {
    const { records, checkpoints } = fixture();
    const a = records[2]!;
    const b = records[9]!;
    const swapped = records.map((r) =>
      r.id === a.id ? { ...r, at: b.at } : r.id === b.id ? { ...r, at: a.at } : r,
    );
    const r = verify(checkpoints, swapped);
    assert.deepEqual(kinds(r), ['REORDERED:r-0002', 'ALTERED:r-0002', 'REORDERED:r-0009', 'ALTERED:r-0009']);
    assert.deepEqual(first(r), { kind: 'REORDERED', recordId: 'r-0002', checkpoint: 1 });
    assert.match(r.firstProblem!.detail, /r-0009/);
  });

  it('REORDERED: two neighbours across a checkpoint boundary swapped whole (all but the id)', () => {
    const { records, checkpoints } = fixture();
    const { id: idA, ...a } = records[3]!;
    const { id: idB, ...b } = records[4]!;
    const swapped = records.map((r) =>
      r.id === idA ? { id: idA, ...b } : r.id === idB ? { id: idB, ...a } : r,
    );
    const r = verify(checkpoints, swapped);
    assert.deepEqual(first(r), { kind: 'REORDERED', recordId: 'r-0003', checkpoint: 1 });
    assert.deepEqual(kinds(r), ['REORDERED:r-0003', 'ALTERED:r-0003', 'REORDERED:r-0004', 'ALTERED:r-0004']);
  });

  it('a time changed without passing another record is ALTERED, not REORDERED', () => {
    const { records, checkpoints } = fixture();
    const moved = records.map((r) => (r.id === 'r-0005' ? { ...r, at: iso(5001) } : r));
    assert.deepEqual(kinds(verify(checkpoints, moved)), ['ALTERED:r-0005']);
  });

  it('REORDERED: a checkpoint whose listing is out of (at, id) order (validly signed)', () => {
    const { records, checkpoints } = fixture();
    const c2 = body(checkpoints[1]!);
    const entries = [c2.records[1]!, c2.records[0]!, ...c2.records.slice(2)];
    const bad: CheckpointBody = {
      ...c2,
      records: entries,
      root: chainRoot(
        c2.previous,
        entries.map((e) => e.hash),
      ),
      tree: nextTree(body(checkpoints[0]!).tree, entries),
    };
    // Checkpoint 3 re-chained onto the reordered 2, all signed with the real key: only the order is wrong.
    const c3Real = buildCheckpoint(bad, records.slice(8, 12), iso(12_000), { cutoff: iso(11_500) });
    const cps = [
      checkpoints[0]!,
      { sequence: 2, body: bad, signature: signBody(bad) },
      { sequence: 3, body: c3Real, signature: signBody(c3Real) },
    ];
    const r = verify(cps, records);
    assert.deepEqual(kinds(r), ['REORDERED:r-0004']);
    assert.deepEqual(first(r), { kind: 'REORDERED', recordId: 'r-0004', checkpoint: 2 });
  });

  it('BAD_SIGNATURE: a checkpoint replaced by one signed with another key', () => {
    const { records, checkpoints } = fixture();
    const cps = checkpoints.map((c) =>
      c.sequence === 2 ? { ...c, signature: signBody(c.body, otherKeys.privateKey) } : c,
    );
    const r = verify(cps, records);
    assert.deepEqual(kinds(r), ['BAD_SIGNATURE:2']);
    assert.deepEqual(first(r), { kind: 'BAD_SIGNATURE', checkpoint: 2 });
  });

  it('BAD_SIGNATURE then CHAIN_BROKEN: a checkpoint edited to hide a deleted record', () => {
    const { records, checkpoints } = fixture();
    const c2 = body(checkpoints[1]!);
    const entries = c2.records.filter((e) => e.id !== 'r-0006');
    const edited: CheckpointBody = {
      ...c2,
      records: entries,
      count: entries.length,
      root: chainRoot(
        c2.previous,
        entries.map((e) => e.hash),
      ),
      tree: nextTree(body(checkpoints[0]!).tree, entries),
    };
    const without = records.filter((r) => r.id !== 'r-0006');
    // Kept the old signature:
    const kept = checkpoints.map((c) => (c.sequence === 2 ? { ...c, body: edited } : c));
    const r1 = verify(kept, without);
    // Checkpoint 3 names the original 2 (previous hash) and extends the original tree head.
    assert.deepEqual(kinds(r1), ['BAD_SIGNATURE:2', 'CHAIN_BROKEN:3', 'CHAIN_BROKEN:3']);
    assert.deepEqual(first(r1), { kind: 'BAD_SIGNATURE', checkpoint: 2 });
    // Re-signed with the attacker's own key:
    const resigned = checkpoints.map((c) =>
      c.sequence === 2 ? { ...c, body: edited, signature: signBody(edited, otherKeys.privateKey) } : c,
    );
    const r2 = verify(resigned, without);
    assert.deepEqual(kinds(r2), ['BAD_SIGNATURE:2', 'CHAIN_BROKEN:3', 'CHAIN_BROKEN:3']);
    // A change of a single field (sealedAt) is just as visible.
    const touched = checkpoints.map((c) =>
      c.sequence === 1 ? { ...c, body: { ...body(c), sealedAt: iso(3600) } } : c,
    );
    assert.deepEqual(kinds(verify(touched, records)), ['BAD_SIGNATURE:1', 'CHAIN_BROKEN:2']);
  });

  it('CHAIN_BROKEN: an unreadable checkpoint, one filed under another sequence', () => {
    const { records, checkpoints } = fixture();
    const unreadable = checkpoints.map((c) => (c.sequence === 2 ? { ...c, body: undefined } : c));
    const r = verify(unreadable, records);
    assert.deepEqual(first(r), { kind: 'BAD_SIGNATURE', checkpoint: 2 });
    assert.ok(kinds(r).includes('CHAIN_BROKEN:2'));
    const misfiled = [checkpoints[0]!, checkpoints[1]!, { ...checkpoints[2]!, sequence: 4 }];
    assert.deepEqual(kinds(verify(misfiled, records)), ['CHECKPOINT_MISSING:3', 'CHAIN_BROKEN:4']);
  });

  it('CHECKPOINT_MISSING: a deleted checkpoint in the middle or at the start', () => {
    const { records, checkpoints } = fixture();
    const r = verify(
      checkpoints.filter((c) => c.sequence !== 2),
      records,
    );
    assert.deepEqual(kinds(r), ['CHECKPOINT_MISSING:2']);
    assert.deepEqual(first(r), { kind: 'CHECKPOINT_MISSING', checkpoint: 2 });
    assert.match(r.firstProblem!.detail, /4 unlisted record/);
    const r1 = verify(
      checkpoints.filter((c) => c.sequence !== 1),
      records,
    );
    assert.deepEqual(kinds(r1), ['CHECKPOINT_MISSING:1']);
  });

  it('CHECKPOINT_MISSING: a deleted last checkpoint, once the verifier knows how far sealing got', () => {
    const { records, checkpoints } = fixture();
    const truncated = checkpoints.slice(0, 2);
    // Alone, the chain cannot tell a removed last checkpoint from a sealer that has not run yet.
    assert.equal(verify(truncated, records).ok, true);
    const r = verify(truncated, records, { sealedUpTo: iso(11_500), graceMs: 0 });
    assert.deepEqual(kinds(r), ['CHECKPOINT_MISSING:r-0008']);
    assert.deepEqual(first(r), { kind: 'CHECKPOINT_MISSING', recordId: 'r-0008', checkpoint: 3 });
    // Within the grace window records are still pending.
    assert.equal(verify(truncated, records, { sealedUpTo: iso(7_600), graceMs: 5000 }).ok, true);
  });

  it('reports every problem, the earliest first', () => {
    const { records, checkpoints } = fixture();
    const tampered = records
      .filter((r) => r.id !== 'r-0010')
      .map((r) => (r.id === 'r-0001' ? { ...r, purpose: 'curiosity' } : r));
    const cps = checkpoints.map((c) =>
      c.sequence === 3 ? { ...c, signature: signBody(c.body, otherKeys.privateKey) } : c,
    );
    const r = verify(cps, [...tampered, record(50, 5500, { id: 'forged' })]);
    assert.deepEqual(kinds(r), ['ALTERED:r-0001', 'INSERTED:forged', 'BAD_SIGNATURE:3', 'REMOVED:r-0010']);
    assert.deepEqual(first(r), { kind: 'ALTERED', recordId: 'r-0001', checkpoint: 1 });
  });

  it('restricts what it reports to from/to but checks the whole chain', () => {
    const { records, checkpoints } = fixture();
    const tampered = records.map((r) => (r.id === 'r-0009' ? { ...r, outcome: 'DENIED' } : r));
    const early = verify(checkpoints, tampered, { from: iso(0), to: iso(3000) });
    assert.equal(early.ok, true);
    assert.equal(early.problemsOutsideRange, 1);
    assert.equal(early.checkedRecords, 4);
    assert.equal(early.checkedCheckpoints, 3);
    const late = verify(checkpoints, tampered, { from: iso(8000) });
    assert.deepEqual(kinds(late), ['ALTERED:r-0009']);
    // A checkpoint problem is reported for the range its checkpoint covers.
    const cps = checkpoints.map((c) => (c.sequence === 1 ? { ...c, signature: new Uint8Array(8) } : c));
    assert.deepEqual(kinds(verify(cps, records, { from: iso(1000), to: iso(2000) })), ['BAD_SIGNATURE:1']);
    assert.equal(verify(cps, records, { from: iso(9000) }).ok, true);
  });

  it('accepts empty checkpoints (a sealer that keeps the cutoff moving)', () => {
    const records = [record(1, 1000), record(2, 5000)];
    const cps = chain(records, [2000, 3000, 4000, 6000]);
    assert.equal(body(cps[1]!).count, 0);
    assert.equal(verify(cps, records).ok, true);
    assert.deepEqual(kinds(verify(cps, [...records, record(3, 3500, { id: 'forged' })])), [
      'INSERTED:forged',
    ]);
  });
});

// ── property: random trails, one random tamper ────────────────────────────────────────────────

type Tamper =
  | { kind: 'alter'; pick: number; how: 0 | 1 | 2 }
  | { kind: 'delete'; pick: number }
  | { kind: 'insert'; atMs: number }
  | { kind: 'swap'; pick: number; other: number }
  | { kind: 'resign'; pick: number }
  | { kind: 'edit'; pick: number }
  | { kind: 'dropCheckpoint'; pick: number };

const trailArb = fc
  .record({
    offsets: fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 30 }),
    cuts: fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 0, maxLength: 3 }),
    payloads: fc.array(
      fc.record({
        outcome: fc.constantFrom('ALLOWED', 'DENIED', 'APPLIED'),
        action: fc.string({ maxLength: 8 }),
        n: fc.integer({ min: -1000, max: 1000 }),
      }),
      { minLength: 30, maxLength: 30 },
    ),
    pending: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ offsets, cuts, payloads, pending }) => {
    const last = Math.max(...offsets);
    const cutoffs = [...new Set([...cuts.filter((c) => c < last), last])].sort((a, b) => a - b);
    const records = offsets.map((o, i) =>
      record(i, o, {
        outcome: payloads[i]!.outcome,
        action: payloads[i]!.action,
        details: { n: payloads[i]!.n, intakeId: `in-${i}` },
      }),
    );
    const later = Array.from({ length: pending }, (_, k) => record(100 + k, last + 1 + k));
    return { records, pendingRecords: later, cutoffs, last };
  });

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({
    kind: fc.constant('alter' as const),
    pick: fc.nat(),
    how: fc.constantFrom(0 as const, 1 as const, 2 as const),
  }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), atMs: fc.integer({ min: -5000, max: 100_000 }) }),
  fc.record({ kind: fc.constant('swap' as const), pick: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('resign' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('edit' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('dropCheckpoint' as const), pick: fc.nat() }),
);

describe('property: every single tamper is detected and located', () => {
  it('an untampered trail verifies', () => {
    fc.assert(
      fc.property(trailArb, ({ records, pendingRecords, cutoffs, last }) => {
        const cps = chain(records, cutoffs);
        const r = verify(cps, [...records, ...pendingRecords], { sealedUpTo: iso(last), graceMs: 0 });
        assert.deepEqual(r.problems, []);
        assert.equal(r.checkedRecords, records.length);
        assert.equal(r.pending, pendingRecords.length);
      }),
      { numRuns: 150 },
    );
  });

  it('one random tamper → not ok, and firstProblem names the tampered record or checkpoint', () => {
    fc.assert(
      fc.property(trailArb, tamperArb, ({ records, pendingRecords, cutoffs, last }, t) => {
        let cps = chain(records, cutoffs);
        let table: Rec[] = [...records, ...pendingRecords];
        const sealedOrder = [...records].sort((a, b) =>
          a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1,
        );
        const pickRecord = (n: number) => sealedOrder[n % sealedOrder.length]!;
        const pickCheckpoint = (n: number) => cps[n % cps.length]!;
        let expected: Partial<ChainProblem>;
        switch (t.kind) {
          case 'alter': {
            const victim = pickRecord(t.pick);
            const change =
              t.how === 0
                ? { outcome: `${victim.outcome}!` }
                : t.how === 1
                  ? { details: { ...(victim.details ?? {}), n: String((victim.details as { n: number }).n) } }
                  : { extra: 1 };
            table = table.map((r) => (r.id === victim.id ? { ...r, ...change } : r));
            expected = { kind: 'ALTERED', recordId: victim.id };
            break;
          }
          case 'delete': {
            const victim = pickRecord(t.pick);
            table = table.filter((r) => r.id !== victim.id);
            expected = { kind: 'REMOVED', recordId: victim.id };
            break;
          }
          case 'insert': {
            const forged = record(999, Math.min(t.atMs, last), { id: 'forged' });
            table = [...table, forged];
            expected = { kind: 'INSERTED', recordId: 'forged' };
            break;
          }
          case 'swap': {
            const a = pickRecord(t.pick);
            const b = pickRecord(t.other);
            fc.pre(a.at !== b.at);
            const [earlier] = sealedOrder.indexOf(a) < sealedOrder.indexOf(b) ? [a, b] : [b, a];
            table = table.map((r) =>
              r.id === a.id ? { ...r, at: b.at } : r.id === b.id ? { ...r, at: a.at } : r,
            );
            expected = { kind: 'REORDERED', recordId: earlier.id };
            break;
          }
          case 'resign': {
            const victim = pickCheckpoint(t.pick);
            cps = cps.map((c) =>
              c === victim ? { ...c, signature: signBody(c.body, otherKeys.privateKey) } : c,
            );
            expected = { kind: 'BAD_SIGNATURE', checkpoint: victim.sequence };
            break;
          }
          case 'edit': {
            const victim = pickCheckpoint(t.pick);
            const b = body(victim);
            const edited = { ...b, sealedAt: new Date(Date.parse(b.sealedAt) + 1).toISOString() };
            cps = cps.map((c) => (c === victim ? { ...c, body: edited } : c));
            expected = { kind: 'BAD_SIGNATURE', checkpoint: victim.sequence };
            break;
          }
          case 'dropCheckpoint': {
            const victim = pickCheckpoint(t.pick);
            // A removed LAST checkpoint shows only through the records it sealed.
            fc.pre(victim !== cps.at(-1) || body(victim).count > 0);
            cps = cps.filter((c) => c !== victim);
            expected = { kind: 'CHECKPOINT_MISSING', checkpoint: victim.sequence };
            break;
          }
        }
        const r = verify(cps, table, { sealedUpTo: iso(last), graceMs: 0 });
        assert.equal(r.ok, false, `${t.kind} not detected`);
        const got = r.firstProblem!;
        for (const [k, v] of Object.entries(expected))
          assert.equal(got[k as keyof ChainProblem], v, `${t.kind}: ${JSON.stringify(got)}`);
      }),
      { numRuns: Number(process.env.AUDIT_PROPERTY_RUNS ?? 400) },
    );
  });
});
