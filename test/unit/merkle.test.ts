/**
 * The Merkle tree of the audit log (RFC 9162 §2.1): roots, the append-only frontier, inclusion and
 * consistency proofs — property-tested with fast-check: every proof verifies, and any changed
 * byte (of the leaf, a proof node, a root) or a wrong index or size makes it fail.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  EMPTY_FRONTIER,
  EMPTY_ROOT,
  appendLeaves,
  consistencyProof,
  frontierProblem,
  frontierRoot,
  inclusionProof,
  leafHash,
  merkleRoot,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/domain/merkle.js';

const h = (i: number) => createHash('sha256').update(`record ${i}`).digest('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => h(i));
/** Flips one bit of one hex hash. */
const flip = (hex: string, bit: number): string => {
  const b = Buffer.from(hex, 'hex');
  b[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return b.toString('hex');
};

describe('Merkle tree (RFC 9162 hashing)', () => {
  it('hashes leaves with 0x00 and nodes with 0x01, splits at the largest power of two below n', () => {
    const [a, b, c] = leaves(3).map((x) => Buffer.from(x, 'hex'));
    const la = leafHash(a!);
    assert.equal(
      Buffer.from(la).toString('hex'),
      createHash('sha256')
        .update(Buffer.concat([Buffer.of(0), a!]))
        .digest('hex'),
    );
    const expected = nodeHash(nodeHash(la, leafHash(b!)), leafHash(c!));
    assert.equal(merkleRoot(leaves(3)), Buffer.from(expected).toString('hex'));
    assert.equal(merkleRoot([]), EMPTY_ROOT);
    assert.equal(EMPTY_ROOT, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('the frontier appends without the leaves and gives the same root, in any split of the appends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }),
        (n, cuts) => {
          const all = leaves(n);
          let f = EMPTY_FRONTIER;
          let at = 0;
          for (const c of [...cuts, n]) {
            const end = Math.min(n, at + c);
            f = appendLeaves(f, all.slice(at, end));
            at = end;
          }
          f = appendLeaves(f, all.slice(at));
          assert.equal(f.size, n);
          assert.equal(frontierProblem(f), undefined);
          assert.equal(frontierRoot(f), merkleRoot(all));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('inclusion proofs verify for every leaf and fail on any changed byte or another index', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 200 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.nat(255), fc.nat())),
        ([n, i, bit, pick]) => {
          const all = leaves(n);
          const root = merkleRoot(all);
          const proof = inclusionProof(i, all);
          assert.ok(verifyInclusion(i, n, all[i]!, proof, root));
          assert.equal(verifyInclusion(i, n, flip(all[i]!, bit), proof, root), false, 'changed leaf');
          assert.equal(verifyInclusion(i, n, all[i]!, proof, flip(root, bit)), false, 'changed root');
          if (proof.length > 0) {
            const j = pick % proof.length;
            const bad = proof.map((p, k) => (k === j ? flip(p, bit) : p));
            assert.equal(verifyInclusion(i, n, all[i]!, bad, root), false, 'changed proof node');
            assert.equal(verifyInclusion(i, n, all[i]!, proof.slice(0, -1), root), false, 'shortened proof');
          }
          if (n > 1)
            assert.equal(verifyInclusion((i + 1) % n, n, all[i]!, proof, root), false, 'other index');
          // The size is bound by the signed tree head (size and root signed together), not by the path.
          assert.equal(verifyInclusion(i, i, all[i]!, proof, root), false, 'index beyond the size');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('consistency proofs verify between any two heads and fail on any changed byte', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 200 })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n), fc.nat(255), fc.nat())),
        ([m, n, bit, pick]) => {
          const all = leaves(n);
          const r1 = merkleRoot(all.slice(0, m));
          const r2 = merkleRoot(all);
          const proof = consistencyProof(m, all);
          assert.ok(verifyConsistency(m, n, r1, r2, proof));
          assert.equal(verifyConsistency(m, n, flip(r1, bit), r2, proof), false, 'changed first root');
          assert.equal(verifyConsistency(m, n, r1, flip(r2, bit), proof), false, 'changed second root');
          if (proof.length > 0) {
            const j = pick % proof.length;
            assert.equal(
              verifyConsistency(
                m,
                n,
                r1,
                r2,
                proof.map((p, k) => (k === j ? flip(p, bit) : p)),
              ),
              false,
              'changed proof node',
            );
          }
          if (m < n) {
            // A rewritten history: the old head is not a prefix of a tree whose early leaf changed.
            const forged = [...all];
            forged[pick % m] = flip(forged[pick % m]!, bit);
            assert.equal(verifyConsistency(m, n, r1, merkleRoot(forged), consistencyProof(m, forged)), false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
