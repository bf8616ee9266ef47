/**
 * The Lambda entry points the local stack runs, in one place: locally these modules are what AWS
 * would invoke (the same handlers, with their compositions). The only file under `infra/` that
 * imports `functions/` (a lint rule holds the rest to it).
 */
export { createHandler as createIntakeHandler } from '../../functions/intake/handler.js';
export { createClerkHandler } from '../../functions/api-clerk/handler.js';
export { createInstitutionHandler } from '../../functions/api-institution/handler.js';
export { createAuditHandler } from '../../functions/api-audit/handler.js';
export { createAdminHandler } from '../../functions/api-admin/handler.js';
export { createWebhookHandler } from '../../functions/webhook-deliver/handler.js';
