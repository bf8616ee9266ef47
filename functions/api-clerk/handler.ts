/** Clerk API: start uploads (presigned POST), list and follow their own uploads. No endpoint deletes. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { clerkPorts, tokenVerifier, type ClerkPorts } from '../../shared/composition/compose.js';
import { createApiHandler } from '../../shared/http/api.js';
import { logger } from '../../shared/observability/index.js';
import { createUpload, getUpload, listUploads } from '../../shared/use-cases/clerk.js';

export function createClerkHandler(ports: () => Promise<ClerkPorts>) {
  return createApiHandler('clerk', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      createUpload: async (r) => ({
        status: 201,
        json: await createUpload(await ports(), r.principal, r.now),
      }),
      listUploads: async (r) => ({
        status: 200,
        json: await listUploads(await ports(), r.principal, r.query),
      }),
      getUpload: async (r) => ({
        status: 200,
        json: await getUpload(await ports(), r.principal, r.params.intakeId!),
      }),
    },
  });
}

export const handler = middy(createClerkHandler(() => clerkPorts())).use(injectLambdaContext(logger));
