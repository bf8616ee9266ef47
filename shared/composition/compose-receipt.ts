/**
 * Wiring of the clerk's receipts (issue 16): the intake statuses, the checkpoints and the signing
 * key (KMS when SIGNING_KEY_ID is set, the local key otherwise — `compose-audit.ts`), and the audit
 * records read back by their sealed time (the byDay index).
 */
import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import { TABLES } from '../config/resources.js';
import { DynamoAuditSource } from '../adapters/aws/dynamodb-audit-source.js';
import { JwsReceiptSigner } from '../adapters/jws-receipt-signer.js';
import type { ReceiptDeps } from '../use-cases/receipt.js';
import { documentClient, statusStore } from './compose.js';
import { signingPorts } from './compose-audit.js';

export function receiptPorts(): ReceiptDeps {
  const { signer, checkpoints } = signingPorts();
  const table = getStringFromEnv({
    key: TABLES.audit.env,
    errorMessage: `environment variable ${TABLES.audit.env} is not set`,
  });
  return {
    statuses: statusStore(),
    checkpoints,
    auditSource: new DynamoAuditSource(documentClient(), table),
    receipts: new JwsReceiptSigner(signer),
  };
}
