/**
 * Response shapes of `/v1` (see shared/http/openapi.ts, served at /v1/openapi.json), taken from the
 * backend's own declarations so that the console cannot drift from the API.
 *
 * Type-only imports: esbuild erases them, so none of the backend's code reaches the bundle. The web
 * type-check does read those modules, which is why web/tsconfig.json lists the Node types.
 * Where the API answers with an unnamed shape, the type is derived from the function that builds it.
 */
import type { ChainVerification } from '../../shared/domain/audit-chain.js';
import type { AuditRecord, Enrolment, LedgerEntry, PersonName, Student } from '../../shared/ports/index.js';
import type { createUpload, pageOf } from '../../shared/use-cases/clerk.js';
import type { setIntake } from '../../shared/use-cases/admin.js';

export type { AuditRecord } from '../../shared/ports/index.js';
export type { ImportReport } from '../../shared/use-cases/admin.js';
export type { PublicStatus } from '../../shared/use-cases/clerk.js';
export type { BatchItem, Correction, CreditView } from '../../shared/use-cases/consult.js';

/** A page of a list (`items`, and the cursor of the next page while there is one). */
export type Page<T> = ReturnType<typeof pageOf<T>>;

/** `POST /v1/extracts`: the intake id and the presigned POST for the PDF. */
export type CreateUpload = Awaited<ReturnType<typeof createUpload>>;

/** `GET /v1/audit/verify`: the chain check plus the key that signed it (added by verifyTrail). */
export type Verification = ChainVerification & { readonly publicKeyPem: string };

/**
 * `GET /v1/audit/subjects/{nationalNumber}`, as subjectReport (shared/use-cases/audit-queries.ts)
 * builds it from the ledger's and the log's records, the pseudonym left out. Spelled out from the
 * port types rather than derived from subjectReport: that module would bring every AWS adapter
 * into the web type-check.
 */
export interface SubjectReport extends Partial<Pick<Student, 'balance' | 'openingBalance'>> {
  readonly nationalNumber: string;
  readonly known: boolean;
  readonly name?: PersonName;
  readonly ledgerEntries: Omit<LedgerEntry, 'pseudonym'>[];
  readonly enrolments: Omit<Enrolment, 'pseudonym'>[];
  readonly accesses: Omit<AuditRecord, 'subject'>[];
}

/**
 * `GET`/`PUT /v1/admin/intake`. getIntake returns it unnamed with `state` widened to string, so the
 * states are taken from setIntake, which accepts exactly these.
 */
export interface IntakeState {
  readonly state: Parameters<typeof setIntake>[2];
  readonly queue?: Record<string, number>;
}
