/**
 * Incremental and full verification of the audit trail (issue 14): the verify call checks what
 * was sealed since the last verified head (and a from/to window) without reading older records;
 * the stored head never moves past a failure; the full re-verification streams batch by batch,
 * resumes from stored progress and stores a result signed with the audit key. In memory, with
 * the real local signer; no emulator.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import { pemVerifier } from '../../shared/domain/audit-chain.js';
import { verifyConsistency } from '../../shared/domain/merkle.js';
import {
  type AuditSource,
  type FullVerificationProgress,
  type FullVerificationStore,
  type SignedFullVerification,
  type SweptRecord,
  type VerifiedHead,
  type VerifiedHeadStore,
} from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { sealRun } from '../../shared/use-cases/audit-seal.js';
import {
  SWEEP_SLICES,
  runFullVerification,
  verifyFullResult,
  verifyIncremental,
  type FullVerificationResult,
} from '../../shared/use-cases/audit-verify.js';
import { readThroughDays } from '../../shared/use-cases/audit-days.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';

/** The audit table: counts every record it hands out, and the most handed out by one query. */
class CountingSource implements AuditSource {
  read: AuditRecord[] = [];
  scans = 0;
  largestQuery = 0;
  constructor(readonly records: AuditRecord[]) {}
  reset() {
    this.read = [];
    this.scans = 0;
    this.largestQuery = 0;
  }
  async *all() {
    this.scans++;
    for (const r of this.records) {
      this.read.push(r);
      yield r;
    }
  }
  async *between(after: string, upTo: string) {
    let n = 0;
    for (const r of this.records)
      if (r.at > after && r.at <= upTo) {
        this.read.push(r);
        n++;
        yield r;
      }
    this.largestQuery = Math.max(this.largestQuery, n);
  }
}

/**
 * The table with the sweep (`slice`): records are spread over slices by id, and a record in
 * `unfiled` has no day attribute, so the day partitions (`between`) never show it.
 */
class SweepingSource extends CountingSource {
  readonly unfiled = new Set<string>();
  slicesRead = 0;
  largestSlice = 0;
  async *between(after: string, upTo: string) {
    for await (const r of super.between(after, upTo)) if (!this.unfiled.has(r.id)) yield r;
  }
  async *slice(index: number, slices: number): AsyncIterable<SweptRecord> {
    this.slicesRead++;
    let n = 0;
    for (const r of this.records) {
      let h = 0;
      for (const c of r.id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
      if (h % slices !== index) continue;
      n++;
      const at: unknown = r.at;
      yield {
        id: r.id,
        at,
        day: this.unfiled.has(r.id) || typeof at !== 'string' ? undefined : at.slice(0, 10),
      };
    }
    this.largestSlice = Math.max(this.largestSlice, n);
  }
}

class MemoryHead implements VerifiedHeadStore {
  head: VerifiedHead | undefined;
  async get() {
    return this.head;
  }
  async advance(head: VerifiedHead, from: number | null) {
    if ((this.head?.sequence ?? null) !== from) return false;
    this.head = head;
    return true;
  }
}

class MemoryFull implements FullVerificationStore {
  current: FullVerificationProgress | undefined;
  result: SignedFullVerification | undefined;
  saves = 0;
  async progress() {
    return this.current;
  }
  async request(at: string) {
    if (this.current) return false;
    this.current = {
      status: 'requested',
      requestedAt: at,
      nextSequence: 1,
      checkedCheckpoints: 0,
      checkedRecords: 0,
      expired: 0,
      problemCount: 0,
      problems: '[]',
    };
    return true;
  }
  async save(p: FullVerificationProgress) {
    this.saves++;
    this.current = JSON.parse(JSON.stringify(p)) as FullVerificationProgress;
  }
  async finish(r: SignedFullVerification) {
    this.result = JSON.parse(JSON.stringify(r)) as SignedFullVerification;
    this.current = undefined;
  }
  async lastResult() {
    return this.result;
  }
}

const MINUTE = 60_000;
const base = Date.parse('2026-06-01T10:00:00.000Z');

const record = (id: string, at: number): AuditRecord => ({
  id,
  at: new Date(at).toISOString(),
  actor: { id: 'client-1', role: 'institution', institution: 'UGENT' },
  action: 'credit.read',
  subject: 'ab'.repeat(32),
  purpose: 'enrolment',
  outcome: 'ALLOWED',
  requestId: `req-${id}`,
});

describe('incremental and full verification', () => {
  let keyDir: string;
  let signer: LocalSigner;
  let pem: string;
  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-verify-'));
    signer = new LocalSigner(keyDir);
    pem = await signer.publicKeyPem();
  });
  after(() => rm(keyDir, { recursive: true, force: true }));

  /** `minutes` per-minute checkpoints, `perMinute` records each, sealed as the sealer does. */
  async function history(minutes: number, perMinute: number, start = base) {
    const source = new CountingSource([]);
    const checkpoints = new MemoryCheckpoints();
    for (let m = 0; m < minutes; m++) {
      for (let i = 0; i < perMinute; i++)
        source.records.push(record(`r-${m}-${i}`, start + m * MINUTE + 1000 + i * 10));
      await sealRun({ audit: source, checkpoints, signer }, new Date(start + (m + 1) * MINUTE));
    }
    return { source, audit: source, checkpoints, end: start + minutes * MINUTE };
  }

  async function extend(
    h: { source: CountingSource; checkpoints: MemoryCheckpoints; end: number },
    minutes: number,
    perMinute: number,
  ) {
    for (let m = 0; m < minutes; m++) {
      for (let i = 0; i < perMinute; i++)
        h.source.records.push(record(`n-${h.end}-${m}-${i}`, h.end + m * MINUTE + 1000 + i * 10));
      await sealRun(
        { audit: h.source, checkpoints: h.checkpoints, signer },
        new Date(h.end + (m + 1) * MINUTE),
      );
    }
    h.end += minutes * MINUTE;
  }

  it('reads only what was sealed after the verified head, and the newest head extends it (consistency proof)', async () => {
    const h = await history(30, 4);
    const head = new MemoryHead();
    const first = await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(h.end),
      advance: true,
    });
    assert.equal(first.ok, true, JSON.stringify(first.problems));
    assert.equal(head.head?.sequence, 30);
    await extend(h, 3, 5);
    h.source.reset();
    const v = await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(h.end),
      advance: true,
    });
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.equal(v.checkedRecords, 15);
    assert.equal(v.incremental?.newCheckpoints, 3);
    // Not one record sealed before the head was read, and the table was never scanned.
    assert.equal(h.source.scans, 0);
    assert.ok(
      h.source.read.every((r) => r.at > head.head!.cutoff || Date.parse(r.at) > base + 30 * MINUTE),
      'read a record from before the verified head',
    );
    assert.equal(h.source.read.length, 15, JSON.stringify(h.source.read.map((r) => r.id)));
    assert.equal(h.checkpoints.listed, 0, 'listed every checkpoint');
    const { fromHead, toHead, consistencyProof } = v.incremental!;
    assert.ok(
      verifyConsistency(fromHead!.size, toHead!.size, fromHead!.root, toHead!.root, consistencyProof),
    );
    assert.equal(head.head?.sequence, 33);
  });

  it('finds any alteration, removal, insertion or back-dating in the new part, and the head stays where it was', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('alter', 'remove', 'insert', 'backdate', 'swap-at'),
        fc.nat(9),
        async (kind, pick) => {
          const h = await history(5, 2);
          const head = new MemoryHead();
          await verifyIncremental({
            ...h,
            publicKeyPem: pem,
            verifiedHead: head,
            now: new Date(h.end),
            advance: true,
          });
          const before = head.head;
          assert.equal(before?.sequence, 5);
          await extend(h, 5, 2);
          const fresh = h.source.records.filter((r) => r.id.startsWith('n-'));
          const victim = fresh[pick % fresh.length]!;
          const at = h.source.records.indexOf(victim);
          if (kind === 'alter') h.source.records[at] = { ...victim, outcome: 'DENIED' };
          else if (kind === 'remove') h.source.records.splice(at, 1);
          else if (kind === 'insert')
            h.source.records.push(record('forged', Date.parse(victim.at) + 1)); // back-dated into a sealed minute
          else if (kind === 'backdate')
            h.source.records[at] = { ...victim, at: new Date(Date.parse(victim.at) - 20_000).toISOString() };
          else {
            const other = fresh[(pick + 1) % fresh.length]!;
            const j = h.source.records.indexOf(other);
            h.source.records[at] = { ...victim, at: other.at };
            h.source.records[j] = { ...other, at: victim.at };
          }
          const v = await verifyIncremental({
            ...h,
            publicKeyPem: pem,
            verifiedHead: head,
            now: new Date(h.end),
            advance: true,
          });
          assert.equal(v.ok, false, `${kind} not found`);
          assert.deepEqual(head.head, before, 'the verified head moved past a failure');
          // And it stays there on the next runs while the damage remains.
          await extend(h, 1, 1);
          await verifyIncremental({
            ...h,
            publicKeyPem: pem,
            verifiedHead: head,
            now: new Date(h.end),
            advance: true,
          });
          assert.deepEqual(head.head, before);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('an edited checkpoint after the head, or an edited head checkpoint, is reported', async () => {
    const h = await history(4, 2);
    const head = new MemoryHead();
    await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(h.end),
      advance: true,
    });
    await extend(h, 2, 2);
    const six = h.checkpoints.stored.get(6)!;
    h.checkpoints.stored.set(6, { ...six, body: { ...(six.body as object), count: 9 } });
    const v = await verifyIncremental({ ...h, publicKeyPem: pem, verifiedHead: head, now: new Date(h.end) });
    assert.equal(v.firstProblem?.kind, 'BAD_SIGNATURE');
    h.checkpoints.stored.set(6, six);
    const four = h.checkpoints.stored.get(4)!;
    h.checkpoints.stored.set(4, { ...four, signature: new Uint8Array([1, 2, 3]) });
    const w = await verifyIncremental({ ...h, publicKeyPem: pem, verifiedHead: head, now: new Date(h.end) });
    assert.equal(w.ok, false);
    assert.equal(w.firstProblem?.checkpoint, 4);
  });

  it('a tampered old record is outside the new part, found when the from/to window covers it', async () => {
    const h = await history(20, 2);
    const head = new MemoryHead();
    await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(h.end),
      advance: true,
    });
    const old = h.source.records.findIndex((r) => r.id === 'r-7-1');
    h.source.records[old] = { ...h.source.records[old]!, outcome: 'DENIED' };
    const plain = await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(h.end),
    });
    assert.equal(plain.ok, true);
    h.source.reset();
    const window = await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      verifiedHead: head,
      now: new Date(h.end),
      from: new Date(base + 7 * MINUTE).toISOString(),
      to: new Date(base + 8 * MINUTE).toISOString(),
    });
    assert.equal(window.ok, false);
    assert.equal(window.firstProblem?.kind, 'ALTERED');
    assert.equal(window.firstProblem?.recordId, 'r-7-1');
    // The window's records only, not the history.
    assert.ok(h.source.read.length <= 6, `read ${h.source.read.length}`);
  });

  it('a sealed record past its retention that expired by TTL is counted as expired, not REMOVED', async () => {
    const h = await history(3, 2);
    const gone = h.source.records.findIndex((r) => r.id === 'r-1-0');
    h.source.records.splice(gone, 1);
    const years = 20;
    const later = new Date(h.end);
    later.setUTCFullYear(later.getUTCFullYear() + years);
    const expiredRun = await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      now: later,
      retentionYears: years,
    });
    assert.equal(expiredRun.ok, true, JSON.stringify(expiredRun.problems));
    assert.equal(expiredRun.expired, 1);
    const early = await verifyIncremental({
      ...h,
      publicKeyPem: pem,
      now: new Date(h.end),
      retentionYears: years,
    });
    assert.equal(early.firstProblem?.kind, 'REMOVED');
    assert.equal(early.expired, 0);
  });

  it('the full verification streams batch by batch, resumes from its progress, and stores a result signed with the audit key', async () => {
    const h = await history(40, 5);
    const full = new MemoryFull();
    const ports = { ...h, signer, fullVerification: full, batchCheckpoints: 4 };
    assert.equal(
      (
        await runFullVerification(
          ports,
          () => new Date(h.end),
          () => true,
        )
      ).status,
      'idle',
    );
    await full.request(new Date(h.end).toISOString());
    h.source.reset();
    // Each run may do one batch (the Lambda runs out of time): it resumes where it stopped.
    let runs = 0;
    let step;
    do {
      let budget = 1;
      step = await runFullVerification(
        ports,
        () => new Date(h.end),
        () => budget-- > 0,
      );
      runs++;
    } while (step.status === 'running' && runs < 100);
    assert.equal(step.status, 'finished');
    assert.equal(runs, 10);
    assert.equal(h.source.scans, 0);
    assert.equal(h.checkpoints.listed, 0);
    // Never more than a batch (4 checkpoints × 5 records) in memory at once.
    assert.ok(h.source.largestQuery <= 20, `held ${h.source.largestQuery}`);
    assert.equal(h.source.read.length, 200);
    const stored = await full.lastResult();
    const result = stored!.result as FullVerificationResult;
    assert.equal(result.ok, true);
    assert.equal(result.checkedCheckpoints, 40);
    assert.equal(result.checkedRecords, 200);
    assert.equal(verifyFullResult(stored!, pemVerifier(pem)), true);
    const forged = { ...stored!, result: { ...result, ok: false } };
    assert.equal(verifyFullResult(forged, pemVerifier(pem)), false);
  });

  it('the full verification finds a change anywhere in the history', async () => {
    const h = await history(12, 3);
    const i = h.source.records.findIndex((r) => r.id === 'r-2-1');
    h.source.records.splice(i, 1);
    h.source.records.push(record('forged', base + 9 * MINUTE + 5));
    const full = new MemoryFull();
    await full.request(new Date(h.end).toISOString());
    const step = await runFullVerification(
      { ...h, signer, fullVerification: full, batchCheckpoints: 5 },
      () => new Date(h.end),
      () => true,
    );
    assert.equal(step.status, 'finished');
    const result = (await full.lastResult())!.result as FullVerificationResult;
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((p) => [p.kind, p.recordId]),
      [
        ['REMOVED', 'r-2-1'],
        ['INSERTED', 'forged'],
      ],
    );
  });
});

describe('the full verification sweeps the whole table', () => {
  let keyDir: string;
  let signer: LocalSigner;
  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-sweep-'));
    signer = new LocalSigner(keyDir);
  });
  after(() => rm(keyDir, { recursive: true, force: true }));

  it('finds records no checkpoint window shows — dated years before the log, without a time, filed under no day — each once, slice by slice', async () => {
    const source = new SweepingSource([]);
    const checkpoints = new MemoryCheckpoints();
    for (let m = 0; m < 6; m++) {
      for (let i = 0; i < 4; i++)
        source.records.push(record(`r-${m}-${i}`, base + m * MINUTE + 1000 + i * 10));
      await sealRun({ audit: source, checkpoints, signer }, new Date(base + (m + 1) * MINUTE));
    }
    const end = base + 6 * MINUTE;
    const full = new MemoryFull();
    const run = async () => {
      await full.request(new Date(end).toISOString());
      let step;
      let runs = 0;
      do {
        let budget = 3;
        step = await runFullVerification(
          { audit: source, checkpoints, signer, fullVerification: full },
          () => new Date(end),
          () => budget-- > 0,
        );
        runs++;
      } while (step.status === 'running' && runs < 200);
      assert.equal(step.status, 'finished');
      return { result: (await full.lastResult())!.result as FullVerificationResult, runs };
    };
    const clean = await run();
    assert.equal(clean.result.ok, true, JSON.stringify(clean.result.problems));
    assert.equal(clean.result.sweptRecords, 24);
    // A slice per budget unit: the sweep resumed from stored progress across runs.
    assert.ok(clean.runs > SWEEP_SLICES / 3, `finished in ${clean.runs} runs`);
    assert.ok(source.largestSlice < 24, 'a slice held the whole table');

    // Back-dated three years before the log (far outside any day partition a check reads), a
    // record whose time is not a string, and one written without its day attribute.
    source.records.push(record('ancient', base - 3 * 365 * 86_400_000));
    source.records.push({ ...record('timeless', base + 2 * MINUTE), at: 12345 as unknown as string });
    source.records.push(record('unfiled', base + 3 * MINUTE + 500));
    source.unfiled.add('unfiled');
    const tampered = await run();
    assert.equal(tampered.result.ok, false);
    assert.deepEqual(tampered.result.problems.map((p) => [p.kind, p.recordId]).sort(), [
      ['INSERTED', 'ancient'],
      ['INSERTED', 'timeless'],
      ['INSERTED', 'unfiled'],
    ]);
    assert.equal(tampered.result.problemCount, 3);
    assert.equal(tampered.result.sweptRecords, 27);
  });
});

describe('daily roll-up: one object per finished day', () => {
  let keyDir: string;
  let signer: LocalSigner;
  let pem: string;
  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-days-'));
    signer = new LocalSigner(keyDir);
    pem = await signer.publicKeyPem();
  });
  after(() => rm(keyDir, { recursive: true, force: true }));

  const HOUR = 60 * MINUTE;
  const midnight = Date.parse('2026-06-01T00:00:00.000Z');

  /** A checkpoint every 20 minutes over `days` days and `extra` ms, two records each. */
  async function log(days: number, extra = 3 * HOUR, seal = true) {
    const source = new CountingSource([]);
    const checkpoints = new MemoryCheckpoints();
    const end = midnight + days * 24 * HOUR + extra;
    for (let t = midnight + 20 * MINUTE, n = 0; t <= end; t += 20 * MINUTE, n++) {
      source.records.push(record(`d-${n}-a`, t - 15 * MINUTE), record(`d-${n}-b`, t - 10 * MINUTE));
      if (seal) await sealRun({ audit: source, checkpoints, signer }, new Date(t));
      else await sealRun({ audit: source, checkpoints: withoutDays(checkpoints), signer }, new Date(t));
    }
    return { source, checkpoints, end };
  }

  /** The same store without the day-bundle methods (a sealer from before the roll-up). */
  const withoutDays = (c: MemoryCheckpoints) => ({
    put: c.put.bind(c),
    list: c.list.bind(c),
    latest: c.latest.bind(c),
    get: c.get.bind(c),
  });

  const cutoffOf = (cp: { body: unknown }) => (cp.body as { cutoff: string }).cutoff;

  it('bundles each finished UTC day exactly, byte for byte, and never the day still running', async () => {
    const h = await log(3);
    const bundles = [...h.checkpoints.days.keys()].sort((a, b) => a - b);
    assert.equal(bundles.length, 3, 'three finished days, today not bundled');
    let first = 1;
    for (const last of bundles) {
      const b = (await h.checkpoints.dayHolding(last))!;
      assert.equal(b.first, first);
      assert.equal(b.last, last);
      // Exactly the checkpoints whose cutoff falls on that day, as stored.
      const expected = [...h.checkpoints.stored.values()].filter((c) => cutoffOf(c).slice(0, 10) === b.day);
      assert.deepEqual(
        b.checkpoints.map((c) => c.sequence),
        expected.map((c) => c.sequence),
      );
      for (const c of b.checkpoints) {
        const original = h.checkpoints.stored.get(c.sequence)!;
        assert.deepEqual(c.body, original.body);
        assert.equal(
          Buffer.from(c.signature).toString('hex'),
          Buffer.from(original.signature).toString('hex'),
        );
      }
      first = last + 1;
    }
    const today = new Date(h.end).toISOString().slice(0, 10);
    assert.ok(
      [...h.checkpoints.stored.values()].some((c) => cutoffOf(c).startsWith(today) && c.sequence >= first),
    );
  });

  it('the full verification reads a bundle per day instead of a checkpoint per interval, with the same result', async () => {
    const h = await log(3);
    const full = new MemoryFull();
    await full.request(new Date(h.end).toISOString());
    h.checkpoints.gets = 0;
    h.checkpoints.dayGets = 0;
    const step = await runFullVerification(
      { audit: h.source, checkpoints: h.checkpoints, signer, fullVerification: full },
      () => new Date(h.end),
      () => true,
    );
    assert.equal(step.status, 'finished');
    const result = (await full.lastResult())!.result as FullVerificationResult;
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.equal(result.checkedCheckpoints, h.checkpoints.size);
    assert.equal(h.checkpoints.dayGets, 3);
    // Only today's checkpoints (and the head, twice) come one by one.
    assert.ok(h.checkpoints.gets <= 12, `read ${h.checkpoints.gets} single checkpoints`);
  });

  it('a bundle adds no trust: a checkpoint altered inside a bundle is reported like an altered checkpoint', async () => {
    const h = await log(2, HOUR);
    const [firstLast] = [...h.checkpoints.days.keys()].sort((a, b) => a - b);
    const text = h.checkpoints.days.get(firstLast!)!;
    const bundle = JSON.parse(text) as { checkpoints: { body: { count: number } }[] };
    bundle.checkpoints[5]!.body.count += 1;
    h.checkpoints.days.set(firstLast!, JSON.stringify(bundle));
    const full = new MemoryFull();
    await full.request(new Date(h.end).toISOString());
    await runFullVerification(
      { audit: h.source, checkpoints: h.checkpoints, signer, fullVerification: full },
      () => new Date(h.end),
      () => true,
    );
    const result = (await full.lastResult())!.result as FullVerificationResult;
    assert.equal(result.ok, false);
    assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.checkpoint], ['BAD_SIGNATURE', 6]);
    // The incremental check with a window over that day reads the bundle too, and sees it.
    const v = await verifyIncremental({
      audit: h.source,
      checkpoints: h.checkpoints,
      publicKeyPem: pem,
      now: new Date(h.end),
      from: '2026-06-01T01:00:00.000Z',
      to: '2026-06-01T03:00:00.000Z',
    });
    assert.equal(v.ok, false);
    assert.ok(v.problems.some((p) => p.kind === 'BAD_SIGNATURE' && p.checkpoint === 6));
  });

  it('readers asking for a whole day at once fetch its bundle once, and the minutes after the last bundle one by one', async () => {
    const h = await log(2, HOUR);
    const [firstLast] = [...h.checkpoints.days.keys()].sort((a, b) => a - b);
    const reader = readThroughDays(h.checkpoints);
    h.checkpoints.gets = 0;
    h.checkpoints.dayGets = 0;
    const day = await Promise.all(Array.from({ length: firstLast! }, (_, i) => reader.get!(i + 1)));
    assert.equal(h.checkpoints.dayGets, 1);
    assert.equal(h.checkpoints.gets, 0);
    assert.deepEqual(
      day.map((c) => c?.sequence),
      Array.from({ length: firstLast! }, (_, i) => i + 1),
    );
    const latest = (await h.checkpoints.latest())!.sequence;
    const recent = await Promise.all([reader.get!(latest), reader.get!(latest - 1)]);
    assert.deepEqual(
      recent.map((c) => c?.sequence),
      [latest, latest - 1],
    );
    assert.equal(h.checkpoints.gets, 2);
  });

  it('a log sealed before the roll-up is bundled a few days per run, and two sealers write each bundle once', async () => {
    const h = await log(5, HOUR, false);
    assert.equal(h.checkpoints.days.size, 0);
    const run = () =>
      sealRun({ audit: h.source, checkpoints: h.checkpoints, signer }, new Date(h.end + 5 * MINUTE));
    const [a, b] = await Promise.all([run(), run()]);
    assert.ok(a && b);
    assert.equal(h.checkpoints.days.size, 2);
    await run();
    await run();
    assert.equal(h.checkpoints.days.size, 5);
    const lasts = [...h.checkpoints.days.keys()].sort((x, y) => x - y);
    const firsts = await Promise.all(lasts.map(async (l) => (await h.checkpoints.dayHolding(l))!.first));
    assert.deepEqual(firsts, [1, ...lasts.slice(0, -1).map((l) => l + 1)], 'contiguous, no day twice');
  });
});

describe('the sealer function', () => {
  it('{"fullVerification":"start"} requests the full verification and the same run finishes it with a signed result', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-sealer-'));
    try {
      const signer = new LocalSigner(keyDir);
      const records = [record('a', Date.now() - 600_000), record('b', Date.now() - 300_000)];
      const full = new MemoryFull();
      const head = new MemoryHead();
      const ports = {
        audit: new CountingSource(records),
        checkpoints: new MemoryCheckpoints(),
        signer,
        verifiedHead: head,
        fullVerification: full,
      };
      const { createSealerHandler } = await import('../../functions/audit-sealer/handler.js');
      const handler = createSealerHandler(async () => ports);
      const context = {
        functionName: 'audit-sealer',
        awsRequestId: 'req-1',
        getRemainingTimeInMillis: () => 60_000,
      } as unknown as Parameters<typeof handler>[1];
      await handler({ fullVerification: 'start' }, context);
      assert.equal(head.head?.sequence, 1, 'the run verified what it sealed');
      const stored = await full.lastResult();
      assert.ok(stored, 'no result stored');
      assert.equal((stored.result as FullVerificationResult).checkedRecords, 2);
      assert.equal(verifyFullResult(stored, pemVerifier(await signer.publicKeyPem())), true);
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });
});
