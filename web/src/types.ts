/**
 * Response shapes of `/v1` (see shared/http/openapi.ts, served at /v1/openapi.json): the backend's
 * own declarations in shared/contract/api.ts, which the use cases' signatures are held to, so the
 * console cannot drift from the API. Type-only: esbuild erases them, and the contract imports no
 * backend code, so the console's type-check runs with the browser's types alone.
 */
export type {
  AuditRecord,
  BatchItem,
  Correction,
  CreateUpload,
  CreditView,
  HeldItem,
  ImportReport,
  IntakeSwitch,
  Page,
  PublicStatus,
  SubjectReport,
  Verification,
} from '../../shared/contract/api.js';
