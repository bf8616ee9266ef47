/**
 * A clerk's signed receipt for one extract (`GET /v1/intakes/{intakeId}/receipt`, issue 16): for a
 * final outcome only, once the sealer has sealed the decision's audit record under a signed tree
 * head. The clerk of the upload only: anyone else gets the 404 of a missing upload.
 *
 * Primary course: 1. the status, the caller's own (else 404); 2. final (else 409 NOT_FINAL);
 * 3. the decision's audit record proven against the latest signed tree head (else 409
 * NOT_SEALED_YET); 4. the record as stored, read back by its sealed time; 5. the payload — no
 * national number, no name — signed as a compact JWS.
 */
import type { Principal } from '../domain/principal.js';
import {
  FINAL_OUTCOMES,
  RECEIPT_VERSION,
  type FinalOutcome,
  type ReceiptPayload,
} from '../domain/receipt.js';
import { parseCheckpointBody } from '../domain/audit-chain.js';
import type { AuditSource, CheckpointStore, ReceiptSigner, Signer } from '../ports/audit-seal.js';
import type { IntakeStatus, IntakeStatusStore } from '../ports/index.js';
import { proveRecord } from './audit-seal.js';
import { uploaderOf } from './clerk.js';
import { RequestRefusedError } from './errors.js';
import type { Receipt } from '../contract/api.js';

export interface ReceiptDeps {
  readonly statuses: IntakeStatusStore;
  readonly checkpoints: CheckpointStore;
  readonly auditSource: AuditSource;
  /** Signs receipts (the receipt key: never the tree heads' key). */
  readonly receipts: ReceiptSigner;
  /** The audit log's key, whose public half verifies the tree head in the proof. */
  readonly log: Pick<Signer, 'publicKeyPem'>;
}

/** The id of the audit record that decided a final status. */
export function decisionRecordId(s: IntakeStatus): string {
  return s.decisionRecordId ?? `intake:${s.intakeId}:${s.status.toLowerCase()}`;
}

const isFinal = (s: IntakeStatus): s is IntakeStatus & { status: FinalOutcome } =>
  (FINAL_OUTCOMES as readonly string[]).includes(s.status);

export async function issueReceipt(
  deps: ReceiptDeps,
  p: Principal,
  intakeId: string,
  now: Date,
): Promise<Receipt> {
  const s = await deps.statuses.get(intakeId);
  if (!s || s.uploader !== uploaderOf(p))
    throw new RequestRefusedError('not-found', 'NOT_FOUND', {
      nl: 'Geen opgeladen uittreksel met dit nummer.',
      en: 'No upload with this id.',
    });
  if (!isFinal(s))
    throw new RequestRefusedError('conflict', 'NOT_FINAL', {
      nl: 'Dit uittreksel is nog niet definitief verwerkt; een ontvangstbewijs volgt na de beslissing.',
      en: 'This extract is not final yet; a receipt is issued once it is decided.',
    });
  const recordId = decisionRecordId(s);
  // One listing of the checkpoints serves both the proof and the record's sealed time.
  const listed = await deps.checkpoints.list();
  const once: CheckpointStore = {
    list: async () => listed,
    latest: async () => listed.at(-1),
    put: () => Promise.reject(new Error('read only')),
  };
  const proof = await proveRecord(once, recordId);
  let at: string | undefined;
  for (const cp of listed) {
    const parsed = parseCheckpointBody(cp.body);
    if ('error' in parsed) continue;
    at ??= parsed.body.records.find((e) => e.id === recordId)?.at;
  }
  const notSealed = () =>
    new RequestRefusedError('conflict', 'NOT_SEALED_YET', {
      nl: 'De beslissing is nog niet verzegeld in het auditlog; probeer over een minuut opnieuw.',
      en: 'The decision is not yet sealed into the audit log; retry in a minute.',
    });
  if (!proof || !at || !deps.auditSource.between) throw notSealed();
  let record: object | undefined;
  for await (const r of deps.auditSource.between(new Date(Date.parse(at) - 1).toISOString(), at))
    if (r.id === recordId) record = r;
  if (!record) throw notSealed();
  const payload: ReceiptPayload = {
    v: RECEIPT_VERSION,
    typ: 'extract-receipt',
    intakeId: s.intakeId,
    ...(s.sha256 ? { sha256: s.sha256 } : {}),
    ...(s.versionId ? { versionId: s.versionId } : {}),
    ...(s.rulingNumber ? { rulingNumber: s.rulingNumber } : {}),
    outcome: s.status,
    ...(s.code ? { code: s.code } : {}),
    decidedAt: s.updatedAt,
    ...(s.signer
      ? {
          sealedBy: {
            subject: s.signer.subject,
            serial: s.signer.serial,
            issuer: s.signer.issuer,
            signedAt: s.signer.signedAt,
          },
        }
      : {}),
    auditRecord: record as Record<string, unknown>,
    proof,
    issuedAt: now.toISOString(),
  };
  return {
    intakeId: s.intakeId,
    receipt: await deps.receipts.signReceipt(payload),
    publicKeyPem: await deps.receipts.publicKeyPem(),
    logPublicKeyPem: await deps.log.publicKeyPem(),
  };
}
