/** Auditor API: the access log (JSON or CSV), its verification, and the data-subject report. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { auditorPorts, tokenVerifier, type AuditorPorts } from '../../shared/composition/compose.js';
import { auditSealPorts } from '../../shared/composition/compose-audit.js';
import { createApiHandler, type ApiRequest } from '../../shared/http/api.js';
import { logger } from '../../shared/observability/index.js';
import {
  auditChart,
  eventsCsv,
  exportEvents,
  listEvents,
  proveAuditRecord,
  subjectReport,
  verifyTrail,
} from '../../shared/use-cases/audit-queries.js';

const ctx = (r: ApiRequest) => ({ p: r.principal, requestId: r.requestId, now: r.now });

export function createAuditHandler(ports: () => Promise<AuditorPorts>) {
  return createApiHandler('audit', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      listAuditEvents: async (r) => {
        if ((r.headers.accept ?? '').includes('text/csv')) {
          const records = await exportEvents(await ports(), ctx(r), r.query);
          return {
            status: 200,
            text: eventsCsv(records),
            contentType: 'text/csv; charset=utf-8',
            headers: { 'content-disposition': 'attachment; filename="audit-events.csv"' },
          };
        }
        return { status: 200, json: await listEvents(await ports(), ctx(r), r.query) };
      },
      auditChart: async (r) => ({ status: 200, json: await auditChart(await ports(), ctx(r), r.query) }),
      proveAuditRecord: async (r) => ({
        status: 200,
        json: await proveAuditRecord(
          { ...(await ports()), seal: await auditSealPorts() },
          ctx(r),
          r.params.recordId!,
        ),
      }),
      verifyAudit: async (r) => ({
        status: 200,
        json: await verifyTrail({ ...(await ports()), seal: await auditSealPorts() }, ctx(r), r.query),
      }),
      subjectReport: async (r) => ({
        status: 200,
        json: await subjectReport(await ports(), ctx(r), r.params.nationalNumber!),
      }),
    },
  });
}

export const handler = middy(createAuditHandler(() => auditorPorts())).use(injectLambdaContext(logger));
