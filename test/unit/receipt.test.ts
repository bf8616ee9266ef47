/**
 * Signed receipts (issue 16), offline: decisions sealed by the real sealer (local EC key), a
 * receipt issued by the use case for the clerk of the upload, and verified with the public key
 * alone. Any changed byte of the JWS fails (fast-check over every position), and so does a
 * receipt re-signed over a changed proof, tree head or record (the inner checks hold on their own).
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { JwsReceiptSigner } from '../../shared/adapters/jws-receipt-signer.js';
import { LOCAL_RECEIPT_KEY_FILE, LocalSigner } from '../../shared/adapters/local/signer.js';
import { canonicalBytes } from '../../shared/domain/audit-chain.js';
import {
  derToJose,
  keysForReceipt,
  pemBlocks,
  verifyReceipt,
  type ReceiptKeys,
  type ReceiptPayload,
} from '../../shared/domain/receipt.js';
import { type AuditSource } from '../../shared/ports/audit-seal.js';
import type { AuditRecord, IntakeStatus, IntakeStatusStore } from '../../shared/ports/index.js';
import { sealRun } from '../../shared/use-cases/audit-seal.js';
import { issueReceipt, type ReceiptDeps } from '../../shared/use-cases/receipt.js';
import { RequestRefusedError } from '../../shared/use-cases/errors.js';
import { MemoryCheckpoints } from '../support/memory-checkpoints.js';
import { MemoryTiles } from '../support/memory-tiles.js';

const base = Date.parse('2026-06-01T10:00:00.000Z');
const at = (s: number) => new Date(base + s * 1000).toISOString();
const CLERK = { sub: 'griffie-1', role: 'clerk' as const };
const SEAL = {
  subject: 'CN=DBRC e-zegel, O=Dienst Bestuursrechtscolleges',
  serial: '0a1b2c',
  issuer: 'CN=Test CA, O=Test',
  signedAt: at(0),
};

const statuses: IntakeStatus[] = [
  {
    intakeId: 'i-applied',
    uploader: 'griffie-1',
    key: 'incoming/griffie-1/i-applied.pdf',
    receivedAt: at(1),
    updatedAt: at(2),
    status: 'APPLIED',
    rulingNumber: '71001',
    sha256: 'ab'.repeat(32),
    signer: SEAL,
  },
  {
    intakeId: 'i-rejected',
    uploader: 'griffie-1',
    key: 'incoming/griffie-1/i-rejected.pdf',
    receivedAt: at(3),
    updatedAt: at(4),
    status: 'REJECTED',
    code: 'INVALID_RRN',
    sha256: 'cd'.repeat(32),
  },
  {
    intakeId: 'i-held-rejected',
    uploader: 'griffie-1',
    key: 'incoming/griffie-1/i-held-rejected.pdf',
    receivedAt: at(5),
    updatedAt: at(7),
    status: 'REJECTED',
    code: 'IDENTITY_MISMATCH',
    decisionRecordId: 'req-9:held.reject',
  },
  {
    intakeId: 'i-waiting',
    uploader: 'griffie-1',
    key: 'incoming/griffie-1/i-waiting.pdf',
    receivedAt: at(8),
    updatedAt: at(8),
    status: 'RECEIVED',
  },
];

const records: AuditRecord[] = [
  {
    id: 'intake:i-applied:applied',
    at: at(2),
    actor: { id: 'intake', role: 'service' },
    onBehalfOf: 'griffie-1',
    action: 'ledger.apply-ruling',
    subject: 'ef'.repeat(32),
    purpose: 'ruling-intake',
    outcome: 'APPLIED',
    requestId: 'req-1',
    details: {
      rulingNumber: '71001',
      credits: 15,
      intakeId: 'i-applied',
      sha256: 'ab'.repeat(32),
      sealSubject: SEAL.subject,
      sealSerial: SEAL.serial,
      sealIssuer: SEAL.issuer,
      sealSignedAt: SEAL.signedAt,
    },
  },
  {
    id: 'intake:i-rejected:rejected',
    at: at(4),
    actor: { id: 'intake', role: 'service' },
    onBehalfOf: 'griffie-1',
    action: 'intake.reject',
    purpose: 'ruling-intake',
    outcome: 'REJECTED:INVALID_RRN',
    requestId: 'req-2',
    details: { intakeId: 'i-rejected', code: 'INVALID_RRN', sha256: 'cd'.repeat(32) },
  },
  {
    id: 'req-9:held.reject',
    at: at(7),
    actor: { id: 'operator-1', role: 'operator' },
    action: 'held.reject',
    purpose: 'operations',
    outcome: 'REJECTED',
    requestId: 'req-9',
    details: { intakeId: 'i-held-rejected', code: 'IDENTITY_MISMATCH' },
  },
  ...Array.from({ length: 20 }, (_, i) => ({
    id: `r-${i}`,
    at: at(10 + i),
    actor: { id: 'client', role: 'institution' as const, institution: 'UGENT' },
    action: 'credit.read',
    purpose: 'enrolment',
    outcome: 'ALLOWED',
    requestId: `q-${i}`,
  })),
];

const source: AuditSource & Required<Pick<AuditSource, 'get'>> = {
  async *all() {
    yield* records;
  },
  async *between(after: string, upTo: string) {
    yield* records.filter((r) => r.at > after && r.at <= upTo);
  },
  get: async (id: string) => records.find((r) => r.id === id),
};

const statusStore = {
  get: async (id: string) => statuses.find((s) => s.intakeId === id),
} as unknown as IntakeStatusStore;

const flip = (text: string, i: number, bit: number): string => {
  const b = Buffer.from(text, 'latin1');
  b[i] = b[i]! ^ (1 << bit);
  return b.toString('latin1');
};

describe('signed receipts, verified offline with the public key alone', () => {
  let keyDir: string;
  let pem: string;
  let deps: ReceiptDeps;
  const checkpoints = new MemoryCheckpoints();
  // The sealer keeps the Merkle tiles: receipts are proven from them, not from every checkpoint.
  const tiles = new MemoryTiles();
  let signer: LocalSigner;
  let receiptSigner: LocalSigner;
  let receiptPem: string;
  let keys: ReceiptKeys;

  before(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'receipt-'));
    signer = new LocalSigner(keyDir);
    receiptSigner = new LocalSigner(keyDir, LOCAL_RECEIPT_KEY_FILE);
    pem = await signer.publicKeyPem();
    deps = {
      statuses: statusStore,
      checkpoints,
      tiles,
      auditSource: source,
      receipts: new JwsReceiptSigner(receiptSigner),
      log: signer,
    };
    receiptPem = await receiptSigner.publicKeyPem();
    keys = { receipt: receiptPem, log: pem };
  });
  after(async () => rm(keyDir, { recursive: true, force: true }));

  it('refuses another clerk (404), a decision not final (409) and one not yet sealed (409)', async () => {
    const refused = async (p: Promise<unknown>, code: string) =>
      assert.rejects(p, (e: unknown) => e instanceof RequestRefusedError && e.code === code);
    await refused(issueReceipt(deps, CLERK, 'i-applied', new Date()), 'NOT_SEALED_YET');
    await sealRun({ audit: source, checkpoints, signer, tiles }, new Date(base + 9_000));
    await sealRun({ audit: source, checkpoints, signer, tiles }, new Date(base + 60_000));
    await refused(
      issueReceipt(deps, { sub: 'griffie-2', role: 'clerk' }, 'i-applied', new Date()),
      'NOT_FOUND',
    );
    await refused(issueReceipt(deps, CLERK, 'no-such', new Date()), 'NOT_FOUND');
    await refused(issueReceipt(deps, CLERK, 'i-waiting', new Date()), 'NOT_FINAL');
  });

  it('issues a receipt for every final outcome that verifies with the PEM, the JWK and jose', async () => {
    const listed = checkpoints.listed;
    for (const [id, outcome, code] of [
      ['i-applied', 'APPLIED', undefined],
      ['i-rejected', 'REJECTED', 'INVALID_RRN'],
      ['i-held-rejected', 'REJECTED', 'IDENTITY_MISMATCH'],
    ] as const) {
      const r = await issueReceipt(deps, CLERK, id, new Date(base + 61_000));
      const check = verifyReceipt(r.receipt, keys);
      assert.ok(check.ok, `${id}: ${'reason' in check ? check.reason : ''}`);
      assert.equal(r.publicKeyPem, receiptPem);
      assert.equal(r.logPublicKeyPem, pem);
      assert.equal(check.payload.outcome, outcome);
      assert.equal(check.payload.code, code);
      assert.ok(
        verifyReceipt(r.receipt, { ...keys, receipt: createPublicKey(receiptPem).export({ format: 'jwk' }) })
          .ok,
      );
      assert.equal(decodeProtectedHeader(r.receipt).alg, 'ES256');
      const jwk = {
        ...createPublicKey(receiptPem).export({ format: 'jwk' }),
        kid: decodeProtectedHeader(r.receipt).kid,
      };
      await compactVerify(r.receipt, createLocalJWKSet({ keys: [jwk] }));
      // Proven from the Merkle tiles: no listing of every checkpoint.
      assert.equal(checkpoints.listed, listed, `${id}: the history was read`);
      assert.doesNotMatch(r.receipt, /\d{11}/); // no national number, not even in base64 (a sanity check)
    }
    const applied = verifyReceipt((await issueReceipt(deps, CLERK, 'i-applied', new Date())).receipt, keys);
    assert.ok(applied.ok);
    assert.deepEqual(applied.payload.sealedBy, SEAL);
    assert.equal(applied.payload.sha256, 'ab'.repeat(32));
    assert.equal(applied.payload.rulingNumber, '71001');
  });

  it('fails on any changed byte of the JWS, and with another key', async () => {
    const { receipt } = await issueReceipt(deps, CLERK, 'i-applied', new Date());
    fc.assert(
      fc.property(fc.nat({ max: receipt.length - 1 }), fc.integer({ min: 0, max: 6 }), (i, bit) => {
        const changed = flip(receipt, i, bit);
        fc.pre(changed !== receipt);
        assert.equal(verifyReceipt(changed, keys).ok, false, `byte ${i} bit ${bit}`);
      }),
      { numRuns: 400 },
    );
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    assert.equal(verifyReceipt(receipt, { ...keys, receipt: other.toString() }).ok, false);
    assert.equal(verifyReceipt(receipt, { ...keys, log: other.toString() }).ok, false);
    // The keys swapped, or one key for both: refused.
    assert.equal(verifyReceipt(receipt, { receipt: pem, log: receiptPem }).ok, false);
    assert.equal(verifyReceipt(receipt, { receipt: receiptPem, log: receiptPem }).ok, false);
  });

  it('the receipt key cannot stand in for the log key: a tree head signed with it fails, even in a receipt it signed', async () => {
    const { receipt } = await issueReceipt(deps, CLERK, 'i-applied', new Date());
    const payload = JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString()) as ReceiptPayload;
    // A clerk function that holds only the receipt key re-signs the head it forged.
    const body = payload.proof.head.body;
    const forgedHead = {
      ...payload.proof.head,
      signature: Buffer.from(await receiptSigner.sign(canonicalBytes(body))).toString('base64'),
    };
    const forged = await new JwsReceiptSigner(receiptSigner).signReceipt({
      ...payload,
      proof: { ...payload.proof, head: forgedHead },
    });
    const check = verifyReceipt(forged, keys);
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.reason, /signature/);
    // Both keys found in one PEM file by the receipt's kid, in either order.
    const bundle = `# receipt\n${receiptPem}# log\n${pem}`;
    assert.deepEqual(keysForReceipt(receipt, pemBlocks(bundle))?.receipt !== undefined, true);
    assert.ok(verifyReceipt(receipt, keysForReceipt(receipt, pemBlocks(`${pem}${receiptPem}`))!).ok);
    assert.equal(keysForReceipt(receipt, pemBlocks(receiptPem)), undefined);
  });

  it('fails when the proof, the tree head or the record changed, even re-signed with the right key', async () => {
    const { receipt } = await issueReceipt(deps, CLERK, 'i-applied', new Date());
    const payload = JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString()) as ReceiptPayload;
    const text = JSON.stringify(payload);
    const resign = async (p: string) =>
      new JwsReceiptSigner(receiptSigner).signReceipt(JSON.parse(p) as object);
    // Positions inside hex strings of the record, the proof and the head.
    const bound = text.indexOf('"auditRecord"');
    const hexAt = [...text.slice(bound).matchAll(/[0-9a-f]{64}/g)].flatMap((m) => [
      bound + m.index,
      bound + m.index + 31,
      bound + m.index + 63,
    ]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...hexAt), async (i) => {
        const c = text[i] === '0' ? '1' : '0';
        const changed = text.slice(0, i) + c + text.slice(i + 1);
        assert.equal(
          verifyReceipt(await resign(changed), keys).ok,
          false,
          `at ${i}: ${text.slice(i - 20, i + 5)}`,
        );
      }),
      { numRuns: 60 },
    );
    for (const mutate of [
      (p: ReceiptPayload) => ({ ...p, outcome: 'DUPLICATE' }),
      (p: ReceiptPayload) => ({ ...p, intakeId: 'i-rejected' }),
      (p: ReceiptPayload) => ({ ...p, rulingNumber: '71002' }),
      // The sealed decision names the file: a receipt re-signed for other bytes fails.
      (p: ReceiptPayload) => ({ ...p, sha256: 'ac'.repeat(32) }),
      (p: ReceiptPayload) => {
        const { sha256: _dropped, ...rest } = p;
        return rest;
      },
      (p: ReceiptPayload) => ({ ...p, sealedBy: { ...SEAL, serial: 'ff' } }),
      (p: ReceiptPayload) => ({ ...p, auditRecord: { ...p.auditRecord, purpose: 'other' } }),
      (p: ReceiptPayload) => ({ ...p, proof: { ...p.proof, leafIndex: p.proof.leafIndex + 1 } }),
      (p: ReceiptPayload) => ({ ...p, proof: { ...p.proof, head: { ...p.proof.head, signature: 'AAAA' } } }),
    ])
      assert.equal(verifyReceipt(await resign(JSON.stringify(mutate(payload))), keys).ok, false);
  });

  it('converts DER signatures to JOSE r‖s (what KMS Sign returns to what a JWS carries)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (msg) => {
        const der = sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' });
        const raw = derToJose(der);
        assert.equal(raw.length, 64);
        assert.ok(verify('sha256', msg, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw));
      }),
      { numRuns: 200 },
    );
    assert.throws(() => derToJose(Uint8Array.of(0x30, 0x02, 0x02, 0x00)), /DER/);
  });
});
