/**
 * A Merkle tree over the audit records, hashed as RFC 9162 (Certificate Transparency v2) §2.1:
 * leaf hash = SHA-256(0x00 ‖ leaf), node hash = SHA-256(0x01 ‖ left ‖ right), the tree of n leaves
 * split at the largest power of two below n. A leaf is a record's 32-byte hash (SHA-256 of its
 * canonical JSON, `recordHash`). Pure: node:crypto only.
 *
 * - `MerkleFrontier`: the roots of the perfect subtrees along the right edge (at most log₂ n
 *   hashes) — enough to append leaves and compute the root without keeping the leaves; each signed
 *   tree head carries it, so the sealer continues the tree from the last head alone.
 * - Inclusion proofs (§2.1.3) and consistency proofs (§2.1.4), generated from the leaf hashes and
 *   verified with nothing but the proof, the hashes and the (signed) roots.
 */
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;

const hex = (h: Hash): string => Buffer.from(h).toString('hex');
const fromHex = (s: string): Hash => Buffer.from(s, 'hex');

export function leafHash(leaf: Uint8Array): Hash {
  return createHash('sha256').update(Uint8Array.of(0)).update(leaf).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** SHA-256 of the empty string: the root of the empty tree (§2.1.1). */
export const EMPTY_ROOT = hex(createHash('sha256').digest());

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes (already `leafHash`ed). */
function root(hashes: readonly Hash[], lo = 0, hi = hashes.length): Hash {
  const n = hi - lo;
  if (n === 0) return fromHex(EMPTY_ROOT);
  if (n === 1) return hashes[lo]!;
  const k = split(n);
  return nodeHash(root(hashes, lo, lo + k), root(hashes, lo + k, hi));
}

/** The tree root (hex) over these leaves (record hashes, hex). */
export function merkleRoot(leaves: readonly string[]): string {
  return hex(root(leaves.map((l) => leafHash(fromHex(l)))));
}

// ── the right edge: append without the leaves ───────────────────────────────────────────────

/** The perfect subtrees of a tree of `size` leaves, largest first (hex), one per 1-bit of size. */
export interface MerkleFrontier {
  readonly size: number;
  readonly nodes: readonly string[];
}

export const EMPTY_FRONTIER: MerkleFrontier = { size: 0, nodes: [] };

/** The frontier after appending these leaves (record hashes, hex). */
export function appendLeaves(frontier: MerkleFrontier, leaves: readonly string[]): MerkleFrontier {
  const nodes = frontier.nodes.map(fromHex);
  let size = frontier.size;
  for (const leaf of leaves) {
    let h = leafHash(fromHex(leaf));
    // Merge with equal-sized subtrees: one per trailing 1-bit of size.
    for (let s = size; s & 1; s >>= 1) h = nodeHash(nodes.pop()!, h);
    nodes.push(h);
    size++;
  }
  return { size, nodes: nodes.map(hex) };
}

/** The root of the tree a frontier describes (equals `merkleRoot` of all its leaves). */
export function frontierRoot(frontier: MerkleFrontier): string {
  if (frontier.size === 0) return EMPTY_ROOT;
  const nodes = frontier.nodes.map(fromHex);
  let h = nodes.at(-1)!;
  for (let i = nodes.length - 2; i >= 0; i--) h = nodeHash(nodes[i]!, h);
  return hex(h);
}

/** Whether a frontier is well formed for its size (one node per 1-bit). */
export function frontierProblem(f: unknown): string | undefined {
  const x = f as MerkleFrontier | null;
  if (!x || typeof x !== 'object' || !Number.isSafeInteger(x.size) || x.size < 0) return 'bad size';
  if (!Array.isArray(x.nodes) || x.nodes.some((n) => typeof n !== 'string' || !/^[0-9a-f]{64}$/.test(n)))
    return 'bad nodes';
  let bits = 0;
  for (let s = x.size; s > 0; s = Math.floor(s / 2)) bits += s % 2;
  return bits === x.nodes.length ? undefined : 'node count does not match the size';
}

// ── inclusion proofs (RFC 9162 §2.1.3) ─────────────────────────────────────────────────────

function path(m: number, hashes: readonly Hash[], lo: number, hi: number): Hash[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...path(m, hashes, lo, lo + k), root(hashes, lo + k, hi)]
    : [...path(m - k, hashes, lo + k, hi), root(hashes, lo, lo + k)];
}

/** The audit path of leaf `index` in the tree over `leaves` (record hashes, hex). */
export function inclusionProof(index: number, leaves: readonly string[]): string[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError('index out of range');
  const hashes = leaves.map((l) => leafHash(fromHex(l)));
  return path(index, hashes, 0, hashes.length).map(hex);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** RFC 9162 §2.1.3.2: whether `proof` shows the leaf (a record hash, hex) at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: string,
  proof: readonly string[],
  rootHex: string,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!HEX64.test(leaf) || !HEX64.test(rootHex) || proof.some((p) => !HEX64.test(p))) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(fromHex(leaf));
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(fromHex(p), r);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else r = nodeHash(r, fromHex(p));
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hex(r) === rootHex;
}

// ── consistency proofs (RFC 9162 §2.1.4) ───────────────────────────────────────────────────

function subproof(m: number, hashes: readonly Hash[], lo: number, hi: number, b: boolean): Hash[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [root(hashes, lo, hi)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, hashes, lo, lo + k, b), root(hashes, lo + k, hi)]
    : [...subproof(m - k, hashes, lo + k, hi, false), root(hashes, lo, lo + k)];
}

/** The proof that the tree of the first `m` leaves is a prefix of the tree over all `leaves`. */
export function consistencyProof(m: number, leaves: readonly string[]): string[] {
  if (!Number.isSafeInteger(m) || m < 1 || m > leaves.length) throw new RangeError('m out of range');
  const hashes = leaves.map((l) => leafHash(fromHex(l)));
  return subproof(m, hashes, 0, hashes.length, true).map(hex);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree (`size1`, `root1`) is a prefix of (`size2`, `root2`). */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: string,
  root2: string,
  proof: readonly string[],
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 1 || size1 > size2)
    return false;
  if (!HEX64.test(root1) || !HEX64.test(root2) || proof.some((p) => !HEX64.test(p))) return false;
  if (size1 === size2) return proof.length === 0 && root1 === root2;
  if (proof.length === 0) return false;
  let nodes = proof.map(fromHex);
  // A power-of-two first tree is itself a node of the second: prepend its root.
  if ((size1 & (size1 - 1)) === 0) nodes = [fromHex(root1), ...nodes];
  if (nodes.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = nodes[0]!;
  let sr = nodes[0]!;
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return hex(fr) === root1 && hex(sr) === root2 && sn === 0;
}

/**
 * The RFC 9162 consistency proof from the tree a frontier describes (size m) to that tree with
 * `leaves` appended, without the first m leaves: every node of the proof inside the first m
 * leaves is one of the frontier's perfect subtrees, every other lies among the new leaves. Costs
 * the new leaves only, whatever m is.
 */
export function consistencyProofFromFrontier(frontier: MerkleFrontier, leaves: readonly string[]): string[] {
  const m = frontier.size;
  const n = m + leaves.length;
  if (m < 1 || leaves.length === 0) return [];
  // The frontier's subtrees by their start: sizes are the 1-bits of m, largest first.
  const known = new Map<string, Hash>();
  let start = 0;
  let i = 0;
  for (let bit = 2 ** Math.floor(Math.log2(m)); bit >= 1; bit /= 2)
    if (Math.floor(m / bit) % 2 === 1) {
      known.set(`${start}:${bit}`, fromHex(frontier.nodes[i++]!));
      start += bit;
    }
  const fresh = leaves.map((l) => leafHash(fromHex(l)));
  const mth = (lo: number, hi: number): Hash => {
    if (lo >= m) return root(fresh, lo - m, hi - m);
    const node = known.get(`${lo}:${hi - lo}`);
    if (node) return node;
    if (hi - lo === 1) throw new RangeError('the frontier does not cover the old tree');
    const k = split(hi - lo);
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  const sub = (mm: number, lo: number, hi: number, b: boolean): Hash[] => {
    const size = hi - lo;
    if (mm === size) return b ? [] : [mth(lo, hi)];
    const k = split(size);
    return mm <= k
      ? [...sub(mm, lo, lo + k, b), mth(lo + k, hi)]
      : [...sub(mm - k, lo + k, hi, false), mth(lo, lo + k)];
  };
  return sub(m, 0, n, true).map(hex);
}
