/**
 * Merkle tiles on the local stack (issue 14): the real sealer composition writes them as
 * control-table items into dynalite (DynamoMerkleTiles through the AWS SDK), records are appended
 * through the real DynamoAuditLog and read back by id (GetItem), and the auditor's proof over real
 * HTTP is built from the tiles and verifies offline. A tile changed directly in dynalite never
 * yields a served proof that fails; a sealer that crashed before moving the tile pointer is caught
 * up by the next run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { auditSealPorts, type AuditSealPorts } from '../../shared/composition/compose-audit.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { AUDIT_TILE_KEYS } from '../../shared/config/resources.js';
import { pemVerifier } from '../../shared/domain/audit-chain.js';
import { verifyRecordProof, type RecordProof } from '../../shared/domain/audit-proof.js';
import type { MerkleTileStore } from '../../shared/ports/audit-seal.js';
import type { AuditRecord } from '../../shared/ports/index.js';
import { proveSealedRecord } from '../../shared/use-cases/audit-proof.js';
import { sealRun } from '../../shared/use-cases/audit-seal.js';
import { withStack } from './helpers.js';

const MINUTE = 60_000;

function auditRecord(i: number, at: number): AuditRecord {
  return {
    id: `tile-rec-${String(i).padStart(4, '0')}`,
    at: new Date(at).toISOString(),
    actor: { id: 'inst-client-1', role: 'institution', institution: 'UGENT' },
    action: 'credit.read',
    subject: createHash('sha256').update(String(i)).digest('hex'),
    purpose: 'enrolment',
    outcome: 'ALLOWED',
    requestId: `req-tile-${i}`,
  };
}

describe('Merkle tiles on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let ports: AuditSealPorts;
  let raw: DynamoDBClient;
  let pem: string;
  const records: AuditRecord[] = [];
  const t0 = Date.now() - 60 * MINUTE;

  const tileItem = async (pk: string) =>
    (await raw.send(new GetItemCommand({ TableName: stack.state.tables.control, Key: { pk: { S: pk } } })))
      .Item;
  const proofOverHttp = async (id: string) => {
    const token = await stack.idp.issueToken({ role: 'auditor' });
    const res = await fetch(`${stack.state.apiUrl}/v1/audit/records/${encodeURIComponent(id)}/proof`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    return { status: res.status, json: (await res.json()) as RecordProof & { publicKeyPem: string } };
  };

  before(async () => {
    stack = await withStack({ sealEveryMs: 0 });
    ports = await auditSealPorts();
    pem = await ports.signer.publicKeyPem();
    raw = new DynamoDBClient({
      endpoint: stack.state.dynamoEndpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'intruder', secretAccessKey: 'intruder' },
    });
    // 300 records over three sealer runs: one full tile of 256 leaves and a partial one.
    const audit = (await intakeDeps()).audit;
    for (let i = 0; i < 300; i++) {
      const r = auditRecord(i, t0 + i * 1000);
      await audit.append(r);
      records.push(r);
    }
  });

  after(async () => {
    raw?.destroy();
    await stack?.dispose();
  });

  it('the sealer writes the tiles and the pointer as control-table items as it seals', async () => {
    assert.ok(ports.tiles, 'the sealer composition keeps tiles when the control table is configured');
    for (const upTo of [100, 200, 400]) {
      const run = await sealRun(ports, new Date(t0 + upTo * 1000 + 5_000));
      assert.equal(run.tiles?.checkpoints, run.checkpoints, `run up to ${upTo}`);
    }
    const pointer = await ports.tiles.pointer();
    const latest = await ports.checkpoints.latest();
    assert.equal(pointer?.sequence, latest?.sequence);
    assert.equal(pointer?.size, 300);
    const full = await tileItem(`${AUDIT_TILE_KEYS.tilePrefix}0#0`);
    assert.equal(full?.width?.N, '256');
    assert.equal(full?.hashes?.B?.length, 256 * 32);
    assert.equal((await tileItem(`${AUDIT_TILE_KEYS.tilePrefix}0#1`))?.width?.N, '44');
    assert.equal((await tileItem(`${AUDIT_TILE_KEYS.tilePrefix}1#0`))?.width?.N, '1');
    // Keys and values carry hashes and counts only.
    assert.doesNotMatch(JSON.stringify(await tileItem(AUDIT_TILE_KEYS.pointer)), /tile-rec|UGENT/);
  });

  it('proves a record from the tiles (its time read by id), and the auditor API serves a proof that verifies', async () => {
    const target = records[123]!;
    const out = await proveSealedRecord(
      { checkpoints: ports.checkpoints, tiles: ports.tiles!, audit: ports.audit, publicKeyPem: pem },
      target.id,
    );
    assert.ok(out.status === 'proven' && out.via === 'tiles', JSON.stringify(out));
    assert.equal(out.proof.leafIndex, 123);
    const res = await proofOverHttp(target.id);
    assert.equal(res.status, 200);
    assert.deepEqual(verifyRecordProof(res.json, pemVerifier(res.json.publicKeyPem), target), { ok: true });
    assert.deepEqual(res.json.proof, out.proof.proof);
    assert.equal((await proofOverHttp('no-such-record')).status, 404);
  });

  it('a tile changed in dynalite never gives a served proof that fails: it is refused and rebuilt', async () => {
    const key = { pk: { S: `${AUDIT_TILE_KEYS.tilePrefix}0#0` } };
    const good = (await tileItem(key.pk.S))!.hashes!.B!;
    const forged = Uint8Array.from(good);
    forged[122 * 32] = forged[122 * 32]! ^ 0x01; // the sibling leaf of record 123
    const set = (b: Uint8Array) =>
      raw.send(
        new UpdateItemCommand({
          TableName: stack.state.tables.control,
          Key: key,
          UpdateExpression: 'SET hashes = :h',
          ExpressionAttributeValues: { ':h': { B: b } },
        }),
      );
    await set(forged);
    try {
      const problems: string[] = [];
      const target = records[123]!;
      const out = await proveSealedRecord(
        {
          checkpoints: ports.checkpoints,
          tiles: ports.tiles!,
          audit: ports.audit,
          publicKeyPem: pem,
          onTileProblem: (p) => problems.push(p),
        },
        target.id,
      );
      assert.ok(out.status === 'proven' && out.via === 'history');
      assert.equal(problems.length, 1);
      assert.deepEqual(verifyRecordProof(out.proof, pemVerifier(pem), target), { ok: true });
      const res = await proofOverHttp(target.id);
      assert.equal(res.status, 200);
      assert.deepEqual(verifyRecordProof(res.json, pemVerifier(pem), target), { ok: true });
    } finally {
      await set(good);
    }
  });

  it('a sealer that died between sealing and moving the tile pointer is caught up by the next run', async () => {
    const audit = (await intakeDeps()).audit;
    const late = auditRecord(1000, Date.now() - 30_000);
    await audit.append(late);
    const before = await ports.tiles!.pointer();
    const crashing: MerkleTileStore = {
      pointer: () => ports.tiles!.pointer(),
      read: (t) => ports.tiles!.read(t),
      write: async (tiles, to, from) => {
        await ports.tiles!.write(tiles, before!, before!.sequence); // the tiles, not the pointer
        void to;
        void from;
        throw new Error('the sealer ran out of time');
      },
    };
    const failed: unknown[] = [];
    const run = await sealRun({ ...ports, tiles: crashing }, new Date(), {
      tilesFailed: (e) => failed.push(e),
    });
    assert.equal(run.checkpoints, 1);
    assert.equal(failed.length, 1);
    assert.deepEqual(await ports.tiles!.pointer(), before);
    assert.equal((await proofOverHttp(late.id)).status, 404, 'beyond the tiles: not sealed yet');
    const next = await sealRun(ports, new Date());
    assert.ok((next.tiles?.checkpoints ?? 0) >= 1);
    const res = await proofOverHttp(late.id);
    assert.equal(res.status, 200);
    assert.deepEqual(verifyRecordProof(res.json, pemVerifier(pem), late), { ok: true });
  });
});
