/**
 * The sealer writes a signed head every interval even when nothing was written (issue 14): a record
 * back-dated into a quiet period then lies behind a cutoff and is reported as INSERTED, where a
 * sealer that skipped quiet intervals would have sealed it as genuine. In memory, with the real
 * local signer; no emulator.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import { type AuditSource } from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { sealAudit, sealRun, verifyAudit } from '../../shared/use-cases/audit-seal.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';

function source(records: AuditRecord[]): AuditSource {
  return {
    async *all() {
      yield* records;
    },
    async *between(after: string, upTo: string) {
      for (const r of records) if (r.at > after && r.at <= upTo) yield r;
    },
  };
}

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

describe('a signed head at every interval', () => {
  let keyDir: string;
  let signer: LocalSigner;
  let pem: string;
  const base = Date.parse('2026-06-01T10:00:00.000Z');
  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-seal-run-'));
    signer = new LocalSigner(keyDir);
    pem = await signer.publicKeyPem();
  });
  after(() => rm(keyDir, { recursive: true, force: true }));

  it('seals an empty checkpoint each quiet minute, so a record back-dated into the quiet period is INSERTED', async () => {
    const records = [record('a', base)];
    const ports = { audit: source(records), checkpoints: new MemoryCheckpoints(), signer };
    await sealRun(ports, new Date(base + 10_000));
    const quiet1 = await sealRun(ports, new Date(base + 70_000));
    const quiet2 = await sealRun(ports, new Date(base + 130_000));
    assert.deepEqual([quiet1.checkpoints, quiet1.records, quiet2.checkpoints, quiet2.records], [1, 0, 1, 0]);
    assert.equal(ports.checkpoints.stored.size, 3);
    // Someone with table access writes a record dated in the quiet period.
    records.push(record('forged', base + 60_000));
    await sealRun(ports, new Date(base + 190_000));
    const result = await verifyAudit({ ...ports, publicKeyPem: pem });
    assert.equal(result.ok, false);
    assert.equal(result.firstProblem?.kind, 'INSERTED');
    assert.equal(result.firstProblem?.recordId, 'forged');
  });

  it('without empty checkpoints the same forgery would be sealed as genuine (why sealRun seals empty ones)', async () => {
    const records = [record('a', base)];
    const ports = { audit: source(records), checkpoints: new MemoryCheckpoints(), signer };
    await sealAudit({ ...ports, now: new Date(base + 10_000) });
    assert.equal((await sealAudit({ ...ports, now: new Date(base + 70_000) })).status, 'nothing-to-seal');
    records.push(record('forged', base + 60_000));
    await sealAudit({ ...ports, now: new Date(base + 190_000) });
    assert.equal((await verifyAudit({ ...ports, publicKeyPem: pem })).ok, true, 'the forgery passes');
  });
});
