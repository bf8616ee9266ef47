/**
 * The HTTP API under /v1: one definition of every route — which function serves it and which
 * roles may call it. Read by the CDK stack (API Gateway routes), the local HTTP server, the
 * OpenAPI document and the authorisation-matrix test.
 */
import type { Role } from '../domain/principal.js';

/** The functions behind the API, split by who calls them so each gets only the rights it needs. */
export const API_FUNCTIONS = ['clerk', 'institution', 'audit', 'admin'] as const;
export type ApiFunction = (typeof API_FUNCTIONS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT';

export interface RouteDef {
  readonly id: string;
  readonly method: HttpMethod;
  /** OpenAPI path; `{name}` is a parameter, `:verb` a custom method in the last segment. */
  readonly path: string;
  readonly fn: ApiFunction;
  /** Roles allowed; an empty list means no token is needed (the API description itself). */
  readonly roles: readonly Role[];
  readonly summary: string;
}

export const ROUTES = [
  {
    id: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    fn: 'institution',
    roles: [],
    summary: 'This API description (OpenAPI 3.1).',
  },
  {
    id: 'createUpload',
    method: 'POST',
    path: '/v1/extracts',
    fn: 'clerk',
    roles: ['clerk'],
    summary: 'Start an upload: a presigned POST for one extract PDF and its intake id.',
  },
  {
    id: 'listUploads',
    method: 'GET',
    path: '/v1/extracts',
    fn: 'clerk',
    roles: ['clerk'],
    summary: "The caller's uploads, newest first, paged.",
  },
  {
    id: 'getUpload',
    method: 'GET',
    path: '/v1/extracts/{intakeId}',
    fn: 'clerk',
    roles: ['clerk'],
    summary: 'What became of one upload: status, reason code and message.',
  },
  {
    id: 'getReceipt',
    method: 'GET',
    path: '/v1/intakes/{intakeId}/receipt',
    fn: 'clerk',
    roles: ['clerk'],
    summary:
      'Signed receipt (compact JWS, ES256) of a final outcome: the extract, the decision, its audit record with its inclusion proof and the signed tree head; verifiable offline with the public key. 409 while not final or not yet sealed.',
  },
  {
    id: 'getCredit',
    method: 'GET',
    path: '/v1/students/{nationalNumber}/learning-credit',
    fn: 'institution',
    roles: ['institution'],
    summary:
      "A student's learning credit and ruling-based corrections (students of the calling institution only).",
  },
  {
    id: 'batchGetCredit',
    method: 'POST',
    path: '/v1/learning-credit:batchGet',
    fn: 'institution',
    roles: ['institution'],
    summary: 'Learning credit for up to 100 students at once.',
  },
  {
    id: 'declareEnrolment',
    method: 'PUT',
    path: '/v1/students/{nationalNumber}/enrolments/{academicYear}',
    fn: 'institution',
    roles: ['institution'],
    summary: 'Declare that a student is enrolled with the calling institution (audited).',
  },
  {
    id: 'listChanges',
    method: 'GET',
    path: '/v1/changes',
    fn: 'institution',
    roles: ['institution'],
    summary:
      "The calling institution's change feed: rulings that changed the credit of students it sees, oldest first after the opaque cursor `after`; numbers masked, or in full with `purpose` (audited per student); each read audited.",
  },
  {
    id: 'getWebhookKey',
    method: 'GET',
    path: '/v1/changes/webhook-key',
    fn: 'institution',
    roles: ['institution'],
    summary:
      'The public key (SPKI PEM) and its key id (RFC 7638 thumbprint) that verify the signed webhook notifications of the change feed.',
  },
  {
    id: 'listAuditEvents',
    method: 'GET',
    path: '/v1/audit/events',
    fn: 'audit',
    roles: ['auditor'],
    summary:
      'Access records, newest first, filtered and paged, with the total of the unfiltered or institution-only view over whole UTC days; CSV with Accept: text/csv.',
  },
  {
    id: 'auditChart',
    method: 'GET',
    path: '/v1/audit/chart',
    fn: 'audit',
    roles: ['auditor'],
    summary: 'Consultations per institution per day over 7, 14 or 31 days, from per-day counters.',
  },
  {
    id: 'auditAlerts',
    method: 'GET',
    path: '/v1/audit/alerts',
    fn: 'audit',
    roles: ['auditor'],
    summary:
      'Alerts per institution per day over 7, 14 or 31 days: self-declared enrolments, reads of students not enrolled through DHO and denied attempts above their configured thresholds.',
  },
  {
    id: 'proveAuditRecord',
    method: 'GET',
    path: '/v1/audit/records/{recordId}/proof',
    fn: 'audit',
    roles: ['auditor'],
    summary:
      'Inclusion proof of one record in the Merkle tree of the sealed log, with the signed tree head (verifiable offline with the public key).',
  },
  {
    id: 'verifyAudit',
    method: 'GET',
    path: '/v1/audit/verify',
    fn: 'audit',
    roles: ['auditor'],
    summary:
      'Verify what was sealed since the last verified signed head (and the from/to window), with a consistency proof from that head to the newest.',
  },
  {
    id: 'startFullVerification',
    method: 'POST',
    path: '/v1/audit/verify/full',
    fn: 'audit',
    roles: ['auditor'],
    summary: 'Start the full re-verification of the whole log (a background job of the sealer).',
  },
  {
    id: 'getFullVerification',
    method: 'GET',
    path: '/v1/audit/verify/full',
    fn: 'audit',
    roles: ['auditor'],
    summary: "The full re-verification's progress and its last result, signed with the checkpoint key.",
  },
  {
    id: 'subjectReport',
    method: 'GET',
    path: '/v1/audit/subjects/{nationalNumber}',
    fn: 'audit',
    roles: ['auditor'],
    summary: 'Everything about one person: ledger entries and every access (GDPR art. 15).',
  },
  {
    id: 'getMyRecord',
    method: 'GET',
    path: '/v1/me',
    fn: 'audit',
    roles: ['student'],
    summary:
      "The calling student's own record: balance, rulings applied, and every access to their data (institution, time, purpose, outcome), newest first, paged. The person is the token's, never a parameter.",
  },
  {
    id: 'setIntake',
    method: 'PUT',
    path: '/v1/admin/intake',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Pause or resume intake (protocol art. 8).',
  },
  {
    id: 'getIntake',
    method: 'GET',
    path: '/v1/admin/intake',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Whether intake runs, and queue counts where known.',
  },
  {
    id: 'redriveDeadLetters',
    method: 'POST',
    path: '/v1/admin/dead-letters/{queue}:redrive',
    fn: 'admin',
    roles: ['operator'],
    summary:
      'Put the dead letters of a queue (`intake`: extracts the intake gave up on; `webhooks`: notifications a receiver refused) back on it, once the cause is fixed. Safe to repeat: processing is idempotent and receivers deduplicate notifications by id.',
  },
  {
    id: 'listHeld',
    method: 'GET',
    path: '/v1/admin/held',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Extracts held for review.',
  },
  {
    id: 'getHeldPage',
    method: 'GET',
    path: '/v1/admin/held/{intakeId}/pages/{page}',
    fn: 'admin',
    roles: ['operator'],
    summary: 'The image of a page of a held scan, to compare with the values read.',
  },
  {
    id: 'approveHeld',
    method: 'POST',
    path: '/v1/admin/held/{intakeId}:approve',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Approve a held extract past its check and process it.',
  },
  {
    id: 'rejectHeld',
    method: 'POST',
    path: '/v1/admin/held/{intakeId}:reject',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Reject a held extract; DBRC is told why.',
  },
  {
    id: 'importBalances',
    method: 'POST',
    path: '/v1/admin/imports/balances',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Import opening balances from DHO (CSV).',
  },
  {
    id: 'importEnrolments',
    method: 'POST',
    path: '/v1/admin/imports/enrolments',
    fn: 'admin',
    roles: ['operator'],
    summary: 'Import enrolments from DHO (CSV).',
  },
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** The ids of the routes one API function serves: what its handler map must hold, no more, no less. */
export type RoutesOf<F extends ApiFunction> = Extract<(typeof ROUTES)[number], { fn: F }>['id'];

/** API Gateway routes cannot put a parameter and a literal in one segment: `{id}:approve` → `{id}`. */
export function gatewayPath(path: string): string {
  return path.replace(/\{([^}]+)\}:[A-Za-z]+$/, '{$1}');
}

/** Finds the route for a request path, with its parameters (already URL-decoded). */
export function matchRoute(
  method: string,
  rawPath: string,
): { route: RouteDef; params: Record<string, string> } | undefined {
  for (const route of ROUTES as readonly RouteDef[]) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = route.path
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/:]+)';
      });
    const m = new RegExp(`^${pattern}$`).exec(rawPath);
    if (!m) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route, params };
  }
  return undefined;
}

export { PURPOSES, type Purpose } from '../domain/purposes.js';
