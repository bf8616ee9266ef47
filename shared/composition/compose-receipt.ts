/**
 * Wiring of the clerk's receipts (issue 16): the intake statuses, the checkpoints, the receipt key
 * (KMS when RECEIPT_KEY_ID is set, `receipt.pem` in the local key folder otherwise) and the tree
 * heads' key for its public half (`compose-audit.ts`), the audit record read by id, and the
 * Merkle tiles in the control table.
 */
import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { KEYS, TABLES } from '../config/resources.js';
import { LOCAL_RECEIPT_KEY_FILE } from '../adapters/local/signer.js';
import { DynamoAuditSource } from '../adapters/aws/dynamodb-audit-source.js';
import { DynamoMerkleTiles } from '../adapters/aws/dynamodb-merkle-tiles.js';
import { logger } from '../observability/index.js';
import { JwsReceiptSigner } from '../adapters/jws-receipt-signer.js';
import type { ReceiptDeps } from '../use-cases/receipt.js';
import { documentClient, signingKey, statusStore } from './compose.js';
import { signingPorts } from './compose-audit.js';

export function receiptPorts(): ReceiptDeps {
  const { signer, checkpoints } = signingPorts();
  const receiptKey = process.env[KEYS.receipts.env];
  const table = getStringFromEnv({
    key: TABLES.audit.env,
    errorMessage: `environment variable ${TABLES.audit.env} is not set`,
  });
  // The Merkle tiles are control-table items (the clerk function reads that table for the pause
  // switch already).
  const control = process.env[TABLES.control.env] || undefined;
  return {
    statuses: statusStore(),
    checkpoints,
    ...(control ? { tiles: new DynamoMerkleTiles(documentClient(), control) } : {}),
    auditSource: new DynamoAuditSource(documentClient(), table),
    receipts: new JwsReceiptSigner(signingKey(receiptKey, LOCAL_RECEIPT_KEY_FILE)),
    log: signer,
    onTileProblem: (reason) => logger.error('a tile-built audit proof was refused', { reason }),
  };
}
