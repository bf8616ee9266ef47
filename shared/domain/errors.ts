import type { ExtractField, HoldCode, Message, RejectionCode } from './types.js';

/**
 * An extract the system will not apply, with a stable code and a message a clerk can act on.
 * Messages never hold a national register number in full (see `maskNationalNumber`).
 */
export class ExtractRejectedError extends Error {
  readonly code: RejectionCode;
  readonly field: ExtractField | undefined;
  readonly messages: Message;

  constructor(code: RejectionCode, messages: Message, field?: ExtractField) {
    super(`${code}${field ? ` (${field})` : ''}: ${messages.en}`);
    this.name = 'ExtractRejectedError';
    this.code = code;
    this.field = field;
    this.messages = messages;
  }
}

/** An extract that is well-formed but cannot be applied without a person's review. */
export class ExtractHeldError extends Error {
  readonly code: HoldCode;
  readonly messages: Message;
  /** A hold names no field (the extract as a whole is held): same shape as a rejection. */
  readonly field: ExtractField | undefined = undefined;
  /** The pseudonym of the student concerned, for the audit trail (never a national number). */
  readonly subject: string | undefined;

  constructor(code: HoldCode, messages: Message, subject?: string) {
    super(`${code}: ${messages.en}`);
    this.name = 'ExtractHeldError';
    this.code = code;
    this.messages = messages;
    this.subject = subject;
  }
}

/** Thrown by the crash-injection hook in tests; never caught by the intake itself. */
export class InjectedCrashError extends Error {
  constructor(step: string) {
    super(`injected crash after step ${step}`);
    this.name = 'InjectedCrashError';
  }
}
