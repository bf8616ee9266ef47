/** Operator API: intake pause switch and dead letters, held extracts, imports from DHO. Every action is audited. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { adminPorts, tokenVerifier, type AdminPorts } from '../../shared/composition/compose.js';
import { rejectHeldRequestSchema, setIntakeRequestSchema } from '../../shared/contract/api.js';
import { callerOf, createApiHandler, csvBody, parseJsonBody, respond } from '../../shared/http/api.js';
import { logger } from '../../shared/observability/index.js';
import * as admin from '../../shared/use-cases/admin.js';

export function createAdminHandler(ports: () => Promise<AdminPorts>) {
  return createApiHandler('admin', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      getIntake: respond(200, async () => admin.getIntake(await ports())),
      setIntake: respond(200, async (r) =>
        admin.setIntake(await ports(), callerOf(r), parseJsonBody(r, setIntakeRequestSchema).state),
      ),
      redriveDeadLetters: respond(200, async (r) =>
        admin.redriveDeadLetters(await ports(), callerOf(r), r.params.queue!),
      ),
      listHeld: respond(200, async (r) => admin.listHeld(await ports(), callerOf(r), r.query)),
      getHeldPage: respond(200, async (r) =>
        admin.heldPage(await ports(), callerOf(r), r.params.intakeId!, r.params.page!),
      ),
      approveHeld: respond(202, async (r) =>
        admin.approveHeld(await ports(), callerOf(r), r.params.intakeId!),
      ),
      rejectHeld: respond(200, async (r) => {
        const { reason } = parseJsonBody(r, rejectHeldRequestSchema);
        return admin.rejectHeld(await ports(), callerOf(r), r.params.intakeId!, reason);
      }),
      importBalances: respond(200, async (r) => admin.importBalances(await ports(), callerOf(r), csvBody(r))),
      importEnrolments: respond(200, async (r) =>
        admin.importEnrolments(await ports(), callerOf(r), csvBody(r)),
      ),
    },
  });
}

export const handler = middy(createAdminHandler(() => adminPorts())).use(injectLambdaContext(logger));
