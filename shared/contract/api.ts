/**
 * The response bodies of `/v1` as TypeScript types: the one definition that the use cases return
 * (their signatures name these types, so the compiler holds them to it) and that the console reads
 * (web/src/types.ts re-exports them). Types only, importing nothing but other type-only modules
 * without Node dependencies, so the browser's type-check never reads backend code. The OpenAPI
 * document (shared/http/openapi.ts) describes the same shapes for other clients; the API tests
 * validate every response against it.
 */
import type { Message } from '../domain/types.js';
import type {
  AuditRecord,
  Enrolment,
  IntakeState,
  LedgerEntry,
  PersonName,
  Student,
} from '../ports/index.js';

/** A page of a list: `items`, and the cursor of the next page while there is one. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** An upload as its clerk sees it (`GET /v1/extracts`, `GET /v1/extracts/{intakeId}`). */
export interface PublicStatus {
  readonly intakeId: string;
  readonly status: IntakeState;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly code?: string;
  readonly field?: string;
  readonly message?: Message;
  readonly rulingNumber?: string;
  /** SHA-256 of the file this status decided on (the clerk can compare it with their PDF). */
  readonly sha256?: string;
  /** Set on a second (third…) file posted under an upload's key: that upload's id. */
  readonly parentIntakeId?: string;
}

/** `POST /v1/extracts`: the intake id and the presigned POST for the PDF. */
export interface CreateUpload {
  readonly intakeId: string;
  readonly upload: { readonly url: string; readonly fields: Record<string, string> };
  readonly expiresAt: string;
}

/** One applied correction of a student's learning credit. */
export interface Correction {
  readonly rulingNumber: string;
  readonly rulingDate: string;
  readonly academicYear: string;
  readonly institution: string;
  readonly programme: string;
  readonly requested: number;
  readonly returned: number;
}

/** `GET /v1/students/{nationalNumber}/learning-credit`. */
export interface CreditView {
  readonly nationalNumber: string;
  readonly balance: number;
  readonly openingBalance: number;
  readonly corrections: readonly Correction[];
}

/** One result of `POST /v1/learning-credit:batchGet`. */
export type BatchItem =
  | { readonly nationalNumber: string; readonly status: 'FOUND'; readonly credit: CreditView }
  | { readonly nationalNumber: string; readonly status: 'NOT_FOUND' }
  | { readonly nationalNumber: string; readonly status: 'INVALID'; readonly code: 'INVALID_RRN' };

/** `POST /v1/admin/imports/*`: what an import did, and each refused line with its reason. */
export interface ImportReport {
  readonly lines: number;
  readonly accepted: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly refused: readonly { line: number; code: string; message: Message }[];
}

/** `GET`/`PUT /v1/admin/intake`: the pause switch, and the queue counts where the platform has them. */
export interface IntakeSwitch {
  readonly state: 'running' | 'paused';
  readonly queue?: Record<string, number>;
}

export type { ChainProblem, ChainVerification, ProblemKind } from '../domain/audit-types.js';
import type { ChainVerification } from '../domain/audit-types.js';

/** `GET /v1/audit/verify`: the chain check plus the public key that signed the checkpoints. */
export type Verification = ChainVerification & { readonly publicKeyPem: string };

/**
 * `GET /v1/audit/subjects/{nationalNumber}` (GDPR art. 15): the registered name, the balance, every
 * ledger entry and enrolment about the person and every access to their data — pseudonyms left out.
 */
export type { AuditRecord } from '../ports/index.js';

export interface SubjectReport extends Partial<Pick<Student, 'balance' | 'openingBalance'>> {
  readonly nationalNumber: string;
  readonly known: boolean;
  readonly name?: PersonName;
  readonly ledgerEntries: Omit<LedgerEntry, 'pseudonym'>[];
  readonly enrolments: Omit<Enrolment, 'pseudonym'>[];
  readonly accesses: Omit<AuditRecord, 'subject'>[];
}
