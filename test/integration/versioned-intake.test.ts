/**
 * The intake and the approval against a bucket WITH versions, as on AWS (s3rver has none): the
 * real use cases and the real DynamoDB, KMS-substitute and pdf.js ports of the local stack, with
 * the extract store replaced by an in-memory versioned bucket that behaves as S3 does for the
 * calls the code makes (GetObject/DeleteObject/PutObjectTagging with a VersionId). The events are
 * delivered by calling the use case with the version id S3 would put in the notification.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { adminPorts } from '../../shared/composition/compose.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { extractKey } from '../../shared/config/resources.js';
import { newIntakeId } from '../../shared/domain/ledger.js';
import { approveHeld } from '../../shared/use-cases/admin.js';
import type { ExtractStore, ObjectRef } from '../../shared/ports/index.js';
import { processExtract, type IntakeDeps } from '../../shared/use-cases/process-extract.js';
import { balanceOf, extractText, nationalNumber, pdfFromText, withStack } from './helpers.js';

interface Version {
  readonly versionId: string;
  readonly bytes: Uint8Array;
  tag?: string;
}

/** A versioned bucket: a put adds a version; reads and deletes name one (or the newest). */
class VersionedBucket implements ExtractStore {
  readonly versions = new Map<string, Version[]>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.putVersion(key, bytes);
  }
  putVersion(key: string, bytes: Uint8Array): string {
    const versionId = randomUUID();
    this.versions.set(key, [...(this.versions.get(key) ?? []), { versionId, bytes }]);
    return versionId;
  }
  private find(key: string, versionId?: string): Version | undefined {
    const all = this.versions.get(key) ?? [];
    return versionId ? all.find((v) => v.versionId === versionId) : all.at(-1);
  }
  async get(key: string, maxBytes: number, versionId?: string) {
    const v = this.find(key, versionId);
    if (!v) return undefined;
    if (v.bytes.byteLength > maxBytes) return { size: v.bytes.byteLength, tooLarge: true as const };
    return { bytes: v.bytes, size: v.bytes.byteLength, versionId: v.versionId };
  }
  async deleteAllVersions(key: string): Promise<number> {
    const n = this.versions.get(key)?.length ?? 0;
    this.versions.delete(key);
    return n;
  }
  async deleteObject(key: string, ref: ObjectRef): Promise<number> {
    const all = this.versions.get(key) ?? [];
    const left = all.filter((v) => v.versionId !== ref.versionId);
    this.versions.set(key, left);
    return all.length - left.length;
  }
  async tagOutcome(key: string, outcome: 'rejected' | 'held', versionId?: string): Promise<void> {
    const v = this.find(key, versionId);
    if (v) v.tag = outcome;
  }
  async exists(key: string): Promise<boolean> {
    return (this.versions.get(key)?.length ?? 0) > 0;
  }
}

describe('intake on a versioned bucket (as on AWS)', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  const bucket = new VersionedBucket();
  let deps: IntakeDeps;
  let requests = 0;

  before(async () => {
    stack = await withStack();
    deps = { ...(await intakeDeps()), extracts: bucket };
  });
  after(async () => {
    await stack?.dispose();
  });

  const deliver = (key: string, versionId: string) =>
    processExtract({ key, versionId, requestId: `req-${++requests}` }, deps);

  async function issue(): Promise<{ id: string; key: string }> {
    const id = newIntakeId();
    const key = extractKey('griffie-v', id);
    const at = new Date().toISOString();
    await deps.statuses.received({
      intakeId: id,
      uploader: 'griffie-v',
      key,
      receivedAt: at,
      updatedAt: at,
      status: 'AWAITING_UPLOAD',
    });
    return { id, key };
  }

  it('approves exactly the held version although the form was re-posted over it, and leaves the re-post to its own intake', async () => {
    const rrn = nationalNumber('010101', 901, true);
    const pdf = (
      ruling: string,
      surname: string,
      lines?: NonNullable<Parameters<typeof extractText>[0]>['lines'],
    ) => pdfFromText(extractText({ ruling, rrn, surname, givenNames: 'Noor', ...(lines ? { lines } : {}) }));

    const first = await issue();
    assert.equal(
      (await deliver(first.key, bucket.putVersion(first.key, await pdf('91001', 'Peeters')))).status,
      'APPLIED',
    );
    assert.equal(await bucket.exists(first.key), false, 'the applied version is deleted');

    const held = await issue();
    const heldBytes = await pdf('91002', 'Pieters');
    const v1 = bucket.putVersion(held.key, heldBytes);
    assert.equal((await deliver(held.key, v1)).status, 'HELD');
    const heldStatus = await deps.statuses.get(held.id);
    assert.equal(heldStatus?.versionId, v1);
    assert.equal(heldStatus?.sha256, createHash('sha256').update(heldBytes).digest('hex'));

    // The clerk re-posts the still valid form: another ruling, another name, 60 credits.
    const v2 = bucket.putVersion(
      held.key,
      await pdf('91003', 'Claes', [
        { year: '2022-2023', inst: 'UGent', prog: 'Bachelor in de rechten', req: 30, ret: 30 },
        { year: '2023-2024', inst: 'UGent', prog: 'Bachelor in de rechten', req: 30, ret: 30 },
      ]),
    );
    const second = await deliver(held.key, v2);
    assert.equal(second.intakeId, `${held.id}-2`);
    assert.equal(second.status, 'HELD', 'its own identity check');
    // A redelivery of the first version's event is still the first intake (acknowledged again).
    assert.deepEqual(await deliver(held.key, v1), { intakeId: held.id, status: 'ALREADY_DONE' });

    // The operator approves the held extract: the held version (v1) is re-hashed and re-queued.
    const enqueued: [string, string | undefined][] = [];
    const admin = {
      ...(await adminPorts({
        queue: { enqueue: async (k, v) => void enqueued.push([k, v]) },
        queues: stack.queues,
      })),
      extracts: bucket,
    };
    const ctx = {
      p: { sub: 'operator-1', role: 'operator' as const },
      requestId: 'approve-1',
      now: new Date(),
    };
    await approveHeld(admin, ctx, held.id);
    assert.deepEqual(enqueued, [[held.key, v1]]);
    const applied = await deliver(held.key, v1);
    assert.deepEqual(applied, { intakeId: held.id, status: 'APPLIED' });
    assert.equal(await balanceOf(rrn), 140 + 39 + 39, 'the reviewed ruling (39), not the re-post (60)');
    const left = bucket.versions.get(held.key)!;
    assert.deepEqual(
      left.map((v) => v.versionId),
      [v2],
      'only the applied version is deleted; the re-post stays, held',
    );
    assert.equal(left[0]!.tag, 'held');
    assert.equal((await deps.statuses.get(`${held.id}-2`))?.status, 'HELD');
  });

  it('refuses the approval when the held version no longer has the bytes that were held', async () => {
    const rrn = nationalNumber('010101', 902, true);
    const base = await issue();
    await deliver(
      base.key,
      bucket.putVersion(
        base.key,
        await pdfFromText(extractText({ ruling: '91101', rrn, surname: 'Wouters', givenNames: 'Lien' })),
      ),
    );
    const held = await issue();
    const v1 = bucket.putVersion(
      held.key,
      await pdfFromText(extractText({ ruling: '91102', rrn, surname: 'Wauters', givenNames: 'Lien' })),
    );
    assert.equal((await deliver(held.key, v1)).status, 'HELD');
    // Bytes under the held version id differ from those hashed (what a swap would look like).
    bucket.versions.set(held.key, [{ versionId: v1, bytes: new TextEncoder().encode('%PDF-1.7 other') }]);
    const admin = {
      ...(await adminPorts({ queue: { enqueue: async () => undefined }, queues: stack.queues })),
      extracts: bucket,
    };
    await assert.rejects(
      approveHeld(
        admin,
        { p: { sub: 'operator-1', role: 'operator' }, requestId: 'approve-2', now: new Date() },
        held.id,
      ),
      (e: Error & { code?: string }) => e.code === 'EXTRACT_CHANGED',
    );
    assert.equal(await balanceOf(rrn), 140 + 39);
  });
});
