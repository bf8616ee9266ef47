/**
 * A clerk's signed receipt for one extract (`GET /v1/intakes/{intakeId}/receipt`, issue 16): for a
 * final outcome only, once the sealer has sealed the decision's audit record under a signed tree
 * head. The clerk of the upload only: anyone else gets the 404 of a missing upload.
 *
 * Primary course: 1. the status, the caller's own (else 404); 2. final (else 409 NOT_FINAL);
 * 3. the decision's audit record as stored, read by id (else 409 NOT_SEALED_YET); 4. proven
 * against the newest signed tree head the Merkle tiles reach, a handful of reads whatever the
 * log's age (else 409 NOT_SEALED_YET); 5. the payload — no national number, no name — signed as
 * a compact JWS.
 */
import type { Principal } from '../domain/principal.js';
import {
  FINAL_OUTCOMES,
  RECEIPT_VERSION,
  type FinalOutcome,
  type ReceiptPayload,
} from '../domain/receipt.js';
import type {
  AuditSource,
  CheckpointStore,
  MerkleTileStore,
  ReceiptSigner,
  Signer,
} from '../ports/audit-seal.js';
import type { IntakeStatus, IntakeStatusStore } from '../ports/index.js';
import { proveSealedRecord } from './audit-proof.js';
import { uploaderOf } from './clerk.js';
import { RequestRefusedError } from './errors.js';
import type { Receipt } from '../contract/api.js';

export interface ReceiptDeps {
  readonly statuses: IntakeStatusStore;
  readonly checkpoints: CheckpointStore;
  /** The Merkle tiles: the proof reads a handful of items (without them, the whole history). */
  readonly tiles?: MerkleTileStore;
  /** The decision's audit record, read by id as stored. */
  readonly auditSource: Required<Pick<AuditSource, 'get'>>;
  /** Signs receipts (the receipt key: never the tree heads' key). */
  readonly receipts: ReceiptSigner;
  /** The audit log's key, whose public half verifies the tree head in the proof. */
  readonly log: Pick<Signer, 'publicKeyPem'>;
  /** A tile-built proof was refused and rebuilt from the history (logged: sequences only). */
  readonly onTileProblem?: (reason: string) => void;
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
  const notSealed = () =>
    new RequestRefusedError('conflict', 'NOT_SEALED_YET', {
      nl: 'De beslissing is nog niet verzegeld in het auditlog; probeer over een minuut opnieuw.',
      en: 'The decision is not yet sealed into the audit log; retry in a minute.',
    });
  // The record as stored (one read by id) gives its time; the proof reads a handful of items.
  const record = await deps.auditSource.get(recordId);
  if (!record || typeof record.at !== 'string') throw notSealed();
  const proven = await proveSealedRecord(
    {
      checkpoints: deps.checkpoints,
      ...(deps.tiles ? { tiles: deps.tiles } : {}),
      publicKeyPem: await deps.log.publicKeyPem(),
      ...(deps.onTileProblem ? { onTileProblem: deps.onTileProblem } : {}),
    },
    recordId,
    { at: record.at },
  );
  if (proven.status !== 'proven') throw notSealed();
  const proof = proven.proof;
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
    auditRecord: record as unknown as Record<string, unknown>,
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
