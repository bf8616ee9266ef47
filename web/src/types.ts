/**
 * Response shapes of `/v1`: the types inferred from the zod schemas in shared/contract/api.ts, the
 * one definition that the use cases' signatures are held to and the OpenAPI document
 * (/v1/openapi.json) is generated from, so the console cannot drift from the API. Type-only:
 * esbuild erases them, so zod never lands in the bundle.
 */
export type {
  AuditAlerts,
  AuditChart,
  AuditEventsPage,
  AuditRecord,
  BatchItem,
  Change,
  ChangesPage,
  Correction,
  FullVerificationStatus,
  CreateUpload,
  CreditView,
  HeldItem,
  HeldPage,
  ImportReport,
  IntakeSwitch,
  MyAccess,
  MyRecord,
  Page,
  PublicStatus,
  Receipt,
  RedriveResult,
  SubjectReport,
  Verification,
} from '../../shared/contract/api.js';
