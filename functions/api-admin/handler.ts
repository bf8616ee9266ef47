/** Operator API: intake pause switch, held extracts, imports from DHO. Every action is audited. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { adminPorts, tokenVerifier, type AdminPorts } from '../../shared/composition/compose.js';
import { createApiHandler, csvBody, parseJsonBody, type ApiRequest } from '../../shared/http/api.js';
import { logger } from '../../shared/observability/index.js';
import {
  approveHeld,
  getIntake,
  importBalances,
  importEnrolments,
  listHeld,
  rejectHeld,
  setIntake,
} from '../../shared/use-cases/admin.js';

const ctx = (r: ApiRequest) => ({ p: r.principal, requestId: r.requestId, now: r.now });
const intakeBody = z.object({ state: z.enum(['running', 'paused']) });
const rejectBody = z.object({ reason: z.string().max(500).optional() });

export function createAdminHandler(ports: () => Promise<AdminPorts>) {
  return createApiHandler('admin', {
    verifier: tokenVerifier,
    audit: async () => (await ports()).audit,
    routes: {
      getIntake: async () => ({ status: 200, json: await getIntake(await ports()) }),
      setIntake: async (r) => ({
        status: 200,
        json: await setIntake(await ports(), ctx(r), parseJsonBody(r, intakeBody).state),
      }),
      listHeld: async (r) => ({ status: 200, json: await listHeld(await ports(), ctx(r), r.query) }),
      approveHeld: async (r) => ({
        status: 202,
        json: await approveHeld(await ports(), ctx(r), r.params.intakeId!),
      }),
      rejectHeld: async (r) => ({
        status: 200,
        json: await rejectHeld(
          await ports(),
          ctx(r),
          r.params.intakeId!,
          parseJsonBody(r, rejectBody).reason,
        ),
      }),
      importBalances: async (r) => ({
        status: 200,
        json: await importBalances(await ports(), ctx(r), csvBody(r)),
      }),
      importEnrolments: async (r) => ({
        status: 200,
        json: await importEnrolments(await ports(), ctx(r), csvBody(r)),
      }),
    },
  });
}

export const handler = middy(createAdminHandler(() => adminPorts())).use(injectLambdaContext(logger));
