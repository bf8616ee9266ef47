/** Institution API: learning credit of their own students (audited, fail closed), enrolment declarations, the change feed and its webhook key. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { institutionPorts, tokenVerifier, type InstitutionPorts } from '../../shared/composition/compose.js';
import { batchGetRequestSchema } from '../../shared/contract/api.js';
import { createApiHandler, parseJsonBody, respond, type ApiRequest } from '../../shared/http/api.js';
import { openApiDocument } from '../../shared/http/openapi.js';
import { logger } from '../../shared/observability/index.js';
import { listChanges } from '../../shared/use-cases/change-feed.js';
import { webhookKey } from '../../shared/use-cases/webhooks.js';
import { webhookSigner } from '../../shared/composition/compose-webhooks.js';
import type { WebhookSigner } from '../../shared/ports/index.js';
import { batchGetCredit, declareEnrolment, getCredit } from '../../shared/use-cases/consult.js';

/** What the consult use cases take from a request (each reads the fields it needs). */
const input = (r: ApiRequest) => ({
  requestId: r.requestId,
  now: r.now,
  nationalNumber: r.params.nationalNumber ?? '',
  academicYear: r.params.academicYear ?? '',
  purpose: r.query.purpose,
});

export function createInstitutionHandler(
  ports: () => Promise<InstitutionPorts>,
  webhooks: () => Pick<WebhookSigner, 'publicKey'> = webhookSigner,
) {
  return createApiHandler('institution', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      getOpenApi: respond(200, () => openApiDocument()),
      getCredit: respond(200, async (r) => getCredit(await ports(), r.principal, input(r))),
      batchGetCredit: respond(200, async (r) => {
        const body = parseJsonBody(r, batchGetRequestSchema);
        return { results: await batchGetCredit(await ports(), r.principal, { ...input(r), body }) };
      }),
      listChanges: respond(200, async (r) =>
        listChanges(await ports(), r.principal, { query: r.query, requestId: r.requestId, now: r.now }),
      ),
      getWebhookKey: respond(200, async (r) => webhookKey({ webhooks: webhooks() }, r.principal)),
      declareEnrolment: async (r) => {
        const body = await declareEnrolment(await ports(), r.principal, input(r));
        return { status: body.created ? 201 : 200, json: body };
      },
    },
  });
}

export const handler = middy(createInstitutionHandler(institutionPorts)).use(injectLambdaContext(logger));
