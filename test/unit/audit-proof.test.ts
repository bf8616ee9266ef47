/**
 * Record inclusion proofs end to end, offline: records sealed by the real sealer (local EC key),
 * a proof exported as JSON, and verified with the public key alone. Any changed byte of the proof,
 * its head or the record fails (fast-check over every position of the exported proof). Also: the
 * tree heads of successive checkpoints are consistent (RFC 9162 consistency proofs).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { LocalSigner } from '../../shared/adapters/local/signer.js';
import { parseCheckpointBody, pemVerifier, recordHash } from '../../shared/domain/audit-chain.js';
import { verifyRecordProof, type RecordProof } from '../../shared/domain/audit-proof.js';
import { consistencyProof, verifyConsistency } from '../../shared/domain/merkle.js';
import { type AuditSource } from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { proveRecord, sealRun, verifyAudit } from '../../shared/use-cases/audit-seal.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';

const base = Date.parse('2026-06-01T10:00:00.000Z');
const record = (i: number): AuditRecord => ({
  id: `r-${i}`,
  at: new Date(base + i * 1000).toISOString(),
  actor: { id: `client-${i % 3}`, role: 'institution', institution: 'UGENT' },
  action: 'credit.read',
  subject: `${i.toString(16).padStart(8, '0')}${'cd'.repeat(28)}`,
  purpose: 'enrolment',
  outcome: i % 5 ? 'ALLOWED' : 'DENIED:NOT_VISIBLE',
  requestId: `req-${i}`,
});

describe('record inclusion proofs, verified offline with the public key alone', () => {
  let keyDir: string;
  let pem: string;
  const records = Array.from({ length: 90 }, (_, i) => record(i));
  const checkpoints = new MemoryCheckpoints();
  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'ruling-intake-proof-'));
    const signer = new LocalSigner(keyDir);
    pem = await signer.publicKeyPem();
    const audit: AuditSource = {
      async *all() {
        yield* records;
      },
    };
    // Sealed over several runs (one checkpoint each, some empty): the tree spans checkpoints.
    for (const t of [20_000, 40_000, 41_000, 70_000, 100_000])
      await sealRun({ audit, checkpoints, signer }, new Date(base + t));
    assert.ok((await verifyAudit({ audit, checkpoints, publicKeyPem: pem })).ok);
  });
  after(() => rm(keyDir, { recursive: true, force: true }));

  it('proves every sealed record; the exported JSON verifies with the PEM alone', async () => {
    const check = pemVerifier(pem);
    for (const r of records) {
      const proof = await proveRecord(checkpoints, r.id);
      assert.ok(proof, r.id);
      const exported = JSON.parse(JSON.stringify(proof)) as RecordProof;
      assert.deepEqual(verifyRecordProof(exported, check, r), { ok: true });
    }
    assert.equal(await proveRecord(checkpoints, 'no-such-record'), undefined);
  });

  it('fails on any changed byte of the exported proof, its signed head, or the record', async () => {
    const check = pemVerifier(pem);
    const target = records[37]!;
    const text = JSON.stringify(await proveRecord(checkpoints, target.id));
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 1, max: 15 }), (pos, delta) => {
        const c = text[pos]!;
        // Change one hex digit or base64 character, or one digit of a number.
        const alphabet = /[0-9a-f]/.test(c)
          ? '0123456789abcdef'
          : /[A-Za-z0-9+/]/.test(c)
            ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
            : '';
        fc.pre(alphabet.length > 0);
        const changed = alphabet[(alphabet.indexOf(c) + delta) % alphabet.length]!;
        fc.pre(changed !== c);
        let forged: RecordProof;
        try {
          forged = JSON.parse(text.slice(0, pos) + changed + text.slice(pos + 1)) as RecordProof;
        } catch {
          return; // no longer JSON: nothing to verify
        }
        // The id is not hashed by the proof; the record itself is checked against the leaf.
        fc.pre(JSON.stringify(forged.recordId) === JSON.stringify(target.id));
        // Base64 has spare bits in its last character: another spelling of the same signature bytes.
        const original = JSON.parse(text) as RecordProof;
        fc.pre(
          forged.head?.signature === original.head.signature ||
            !Buffer.from(String(forged.head?.signature), 'base64').equals(
              Buffer.from(original.head.signature, 'base64'),
            ),
        );
        assert.equal(verifyRecordProof(forged, check, target).ok, false, `changed ${c}→${changed} at ${pos}`);
      }),
      { numRuns: 400 },
    );
    const proof = JSON.parse(text) as RecordProof;
    assert.equal(
      verifyRecordProof(proof, check, { ...target, outcome: 'DENIED:NOT_VISIBLE' }).ok,
      false,
      'altered record',
    );
    assert.equal(recordHash(target), proof.recordHash);
  });

  it('each signed tree head extends the previous one (consistency proofs between heads)', async () => {
    const heads = (await checkpoints.list()).map((c) => {
      const p = parseCheckpointBody(c.body);
      assert.ok('body' in p);
      return p.body;
    });
    const leaves = heads.flatMap((h) => h.records.map((e) => e.hash));
    for (let i = 0; i < heads.length; i++)
      for (let j = i; j < heads.length; j++) {
        const a = heads[i]!.tree!;
        const b = heads[j]!.tree!;
        if (a.size === 0) continue;
        assert.ok(
          verifyConsistency(
            a.size,
            b.size,
            a.root,
            b.root,
            consistencyProof(a.size, leaves.slice(0, b.size)),
          ),
        );
      }
  });
});
