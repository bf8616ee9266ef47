/** The fields of a ruling extract, as read from the PDF (see docs/extract-format). */
export interface CreditLine {
  /** `YYYY-YYYY`, normalised with a hyphen. */
  readonly academicYear: string;
  /** Institution code from the register (e.g. `UGENT`). */
  readonly institution: string;
  readonly programme: string;
  readonly requested: number;
  readonly returned: number;
}

/** One credit line of an applied ruling, as the ledger keeps it. */
export interface LedgerEntry extends CreditLine {
  readonly pseudonym: string;
  readonly rulingNumber: string;
  readonly docket: string;
  readonly rulingDate: string;
  readonly lineNumber: number;
  readonly extractSha256: string;
  readonly intakeId: string;
  readonly appliedAt: string;
}

export interface Extract {
  /** Digits only, thousands dot removed. */
  readonly rulingNumber: string;
  /** `YYYY/NNNN`. */
  readonly docket: string;
  /** ISO date `YYYY-MM-DD`. */
  readonly rulingDate: string;
  readonly decision: string;
  readonly surname: string;
  readonly givenNames: string;
  /** Used for identification only; never stored. */
  readonly address: string;
  /** 11 digits, separators removed. */
  readonly nationalNumber: string;
  readonly lines: readonly CreditLine[];
}

export type IntakeOutcome = 'APPLIED' | 'DUPLICATE' | 'REJECTED' | 'HELD';

export type RejectionCode =
  | 'NOT_A_PDF'
  | 'PDF_ENCRYPTED'
  | 'PDF_DAMAGED'
  | 'NO_TEXT_LAYER'
  | 'HIDDEN_TEXT'
  | 'PDF_TOO_COMPLEX'
  | 'TOO_LARGE'
  | 'MISSING_FIELD'
  | 'INVALID_FIELD'
  | 'INVALID_RRN'
  | 'TOTALS_MISMATCH'
  | 'NOT_GRANTED'
  | 'UNKNOWN_INSTITUTION'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  /** An object in the bucket for which the upload API issued no upload: not processed. */
  | 'UNKNOWN_UPLOAD';

export type HoldCode = 'IDENTITY_MISMATCH' | 'CONFLICTING_DUPLICATE' | 'SCANNED_EXTRACT';

export type ReasonCode = RejectionCode | HoldCode;

/** A message in both languages the agency works in. */
export interface Message {
  readonly nl: string;
  readonly en: string;
}

/** Field names as they appear in the JSON contract (`field` of a rejection). */
export type ExtractField =
  | 'rulingNumber'
  | 'docket'
  | 'rulingDate'
  | 'decision'
  | 'surname'
  | 'givenNames'
  | 'address'
  | 'nationalNumber'
  | 'lines'
  | 'academicYear'
  | 'institution'
  | 'programme'
  | 'requested'
  | 'returned'
  | 'totalRequested'
  | 'totalReturned'
  | 'file';
