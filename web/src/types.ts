/** Response shapes of `/v1` (see shared/http/openapi.ts, served at /v1/openapi.json). */
import type { Message } from './i18n.js';

export type UploadStatus = 'AWAITING_UPLOAD' | 'RECEIVED' | 'APPLIED' | 'DUPLICATE' | 'REJECTED' | 'HELD';

export interface IntakeStatus {
  readonly intakeId: string;
  readonly status: UploadStatus;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly code?: string;
  readonly field?: string;
  readonly message?: Message;
  readonly rulingNumber?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

export interface CreateUpload {
  readonly intakeId: string;
  readonly upload: { url: string; fields: Record<string, string> };
  readonly expiresAt: string;
}

export interface Correction {
  readonly rulingNumber: string;
  readonly rulingDate: string;
  readonly academicYear: string;
  readonly institution: string;
  readonly programme: string;
  readonly requested: number;
  readonly returned: number;
}

export interface Credit {
  readonly nationalNumber: string;
  readonly balance: number;
  readonly openingBalance: number;
  readonly corrections: Correction[];
}

export type BatchItem =
  | { readonly nationalNumber: string; readonly status: 'FOUND'; readonly credit: Credit }
  | { readonly nationalNumber: string; readonly status: 'NOT_FOUND' }
  | { readonly nationalNumber: string; readonly status: 'INVALID'; readonly code: string };

export interface AuditRecord {
  readonly id: string;
  readonly at: string;
  readonly actor: { id: string; role: string; institution?: string };
  readonly onBehalfOf?: string;
  readonly action: string;
  readonly subject?: string;
  readonly purpose: string;
  readonly outcome: string;
  readonly requestId: string;
  readonly details?: Record<string, string | number>;
}

export interface ChainProblem {
  readonly kind: string;
  readonly recordId?: string;
  readonly checkpoint?: number;
  readonly detail: string;
}

export interface Verification {
  readonly ok: boolean;
  readonly checkedRecords: number;
  readonly checkedCheckpoints: number;
  readonly pending: number;
  readonly problems: ChainProblem[];
  readonly firstProblem: ChainProblem | null;
  readonly problemsOutsideRange: number;
  readonly latestSequence: number | null;
  readonly sealedUpTo: string | null;
  readonly publicKeyPem?: string;
}

export interface LedgerEntry {
  readonly rulingNumber: string;
  readonly rulingDate: string;
  readonly academicYear: string;
  readonly institution: string;
  readonly programme: string;
  readonly requested: number;
  readonly returned: number;
  readonly appliedAt: string;
}

export interface Enrolment {
  readonly institution: string;
  readonly academicYear: string;
  readonly source: string;
  readonly by: string;
  readonly at: string;
}

export interface SubjectReport {
  readonly nationalNumber: string;
  readonly known: boolean;
  readonly name?: { surname: string; givenNames: string };
  readonly balance?: number;
  readonly openingBalance?: number;
  readonly ledgerEntries: LedgerEntry[];
  readonly enrolments: Enrolment[];
  readonly accesses: Omit<AuditRecord, 'subject'>[];
}

export interface IntakeState {
  readonly state: 'running' | 'paused';
  readonly queue?: Record<string, number>;
}

export interface ImportReport {
  readonly lines: number;
  readonly accepted: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly refused: { line: number; code: string; message: Message }[];
}
