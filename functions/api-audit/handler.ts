/**
 * Auditor API: the access log (JSON or CSV), its verification, and the data-subject report; and the
 * student's own record (`GET /v1/me`), which reads the same subject index with the same grants.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { auditorPorts, tokenVerifier, type AuditorPorts } from '../../shared/composition/compose.js';
import { auditSealPorts } from '../../shared/composition/compose-audit.js';
import { callerOf, createApiHandler, respond } from '../../shared/http/api.js';
import { logger } from '../../shared/observability/index.js';
import * as audit from '../../shared/use-cases/audit-queries.js';
import { readOwnRecord } from '../../shared/use-cases/student.js';

const CSV_HEADERS = { 'content-disposition': 'attachment; filename="audit-events.csv"' };

export function createAuditHandler(ports: () => Promise<AuditorPorts>) {
  const sealed = async () => ({ ...(await ports()), seal: await auditSealPorts() });
  return createApiHandler('audit', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      listAuditEvents: async (r) => {
        if (!(r.headers.accept ?? '').includes('text/csv'))
          return { status: 200, json: await audit.listEvents(await ports(), callerOf(r), r.query) };
        const text = audit.eventsCsv(await audit.exportEvents(await ports(), callerOf(r), r.query));
        return { status: 200, text, contentType: 'text/csv; charset=utf-8', headers: CSV_HEADERS };
      },
      verifyAudit: respond(200, async (r) => audit.verifyTrail(await sealed(), callerOf(r), r.query)),
      startFullVerification: respond(202, async (r) =>
        audit.startFullVerification(await sealed(), callerOf(r)),
      ),
      getFullVerification: respond(200, async (r) =>
        audit.fullVerificationStatus(await sealed(), callerOf(r)),
      ),
      subjectReport: respond(200, async (r) =>
        audit.subjectReport(await ports(), callerOf(r), r.params.nationalNumber!),
      ),
      getMyRecord: respond(200, async (r) => readOwnRecord(await ports(), callerOf(r), r.query)),
      auditChart: respond(200, async (r) => audit.auditChart(await ports(), callerOf(r), r.query)),
      auditAlerts: respond(200, async (r) => audit.auditAlerts(await ports(), callerOf(r), r.query)),
      proveAuditRecord: respond(200, async (r) =>
        audit.proveAuditRecord(
          {
            ...(await sealed()),
            onTileProblem: (reason) => logger.error('a tile-built audit proof was refused', { reason }),
          },
          callerOf(r),
          r.params.recordId!,
        ),
      ),
    },
  });
}

export const handler = middy(createAuditHandler(() => auditorPorts())).use(injectLambdaContext(logger));
