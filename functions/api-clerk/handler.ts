/** Clerk API: start uploads (presigned POST), list and follow their own uploads, fetch signed receipts. No endpoint deletes. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { clerkPorts, tokenVerifier, type ClerkPorts } from '../../shared/composition/compose.js';
import { receiptPorts } from '../../shared/composition/compose-receipt.js';
import { createApiHandler, respond } from '../../shared/http/api.js';
import { logger } from '../../shared/observability/index.js';
import { createUpload, getUpload, listUploads } from '../../shared/use-cases/clerk.js';
import { issueReceipt, type ReceiptDeps } from '../../shared/use-cases/receipt.js';

export function createClerkHandler(
  ports: () => Promise<ClerkPorts>,
  receipts: () => ReceiptDeps = receiptPorts,
) {
  return createApiHandler('clerk', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      createUpload: respond(201, async (r) => createUpload(await ports(), r.principal, r.now)),
      listUploads: respond(200, async (r) => listUploads(await ports(), r.principal, r.query)),
      getUpload: respond(200, async (r) => getUpload(await ports(), r.principal, r.params.intakeId!)),
      getReceipt: respond(200, async (r) => issueReceipt(receipts(), r.principal, r.params.intakeId!, r.now)),
    },
  });
}

export const handler = middy(createClerkHandler(() => clerkPorts())).use(injectLambdaContext(logger));
