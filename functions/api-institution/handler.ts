/** Institution API: learning credit of their own students (audited, fail closed), enrolment declarations. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { institutionPorts, tokenVerifier, type InstitutionPorts } from '../../shared/composition/compose.js';
import { createApiHandler, parseJsonBody } from '../../shared/http/api.js';
import { openApiDocument } from '../../shared/http/openapi.js';
import { logger } from '../../shared/observability/index.js';
import { batchGetRequestSchema } from '../../shared/contract/api.js';
import { batchGetCredit, declareEnrolment, getCredit } from '../../shared/use-cases/consult.js';

export function createInstitutionHandler(ports: () => Promise<InstitutionPorts>) {
  return createApiHandler('institution', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      getOpenApi: async () => ({ status: 200, json: openApiDocument() }),
      getCredit: async (r) => ({
        status: 200,
        json: await getCredit(await ports(), r.principal, {
          nationalNumber: r.params.nationalNumber!,
          purpose: r.query.purpose,
          requestId: r.requestId,
          now: r.now,
        }),
      }),
      batchGetCredit: async (r) => ({
        status: 200,
        json: {
          results: await batchGetCredit(await ports(), r.principal, {
            body: parseJsonBody(r, batchGetRequestSchema),
            requestId: r.requestId,
            now: r.now,
          }),
        },
      }),
      declareEnrolment: async (r) => {
        const res = await declareEnrolment(await ports(), r.principal, {
          nationalNumber: r.params.nationalNumber!,
          academicYear: r.params.academicYear!,
          requestId: r.requestId,
          now: r.now,
        });
        return {
          status: res.created ? 201 : 200,
          json: {
            institution: r.principal.institution,
            academicYear: r.params.academicYear,
            created: res.created,
          },
        };
      },
    },
  });
}

export const handler = middy(createInstitutionHandler(() => institutionPorts())).use(
  injectLambdaContext(logger),
);
