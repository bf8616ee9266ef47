/**
 * Only what a person sees counts (docs: extract-format). The PDF reader separates the text a page
 * shows from text it hides (`PdfText.pages` vs `PdfText.allPages`); this module decides what the
 * hidden text means for the extract:
 *
 * - The extract is read twice: from the visible text, and from all text as a text extractor that
 *   ignores the graphics would read it. When the two readings differ in any field (or in their
 *   rejection), a field would be read from hidden text: `HIDDEN_TEXT`, naming the first field
 *   that differs. Hidden text that changes nothing (a hidden copy of a footer, say) is harmless.
 * - A scan (a page image with a recognised-text layer) is read from its OCR text; when that reads
 *   as a valid extract it is held (`SCANNED_EXTRACT`) for an operator to compare with the image.
 *
 * Pure: no I/O.
 */
import type { ExtractHeldError } from './errors.js';
import type { PdfText } from './layout.js';
import { hold, rejection } from './messages.js';
import { parsePdfText, type ParseOptions, type ParseResult } from './parser.js';
import type { CreditLine, Extract, ExtractField } from './types.js';

export interface ReadOptions extends ParseOptions {
  /** An operator compared the scan's values with its page image and approved them. */
  readonly scanApproved?: boolean;
}

/** A held extract comes with what was read, for the operator's review. */
export type ReadResult =
  ParseResult | { readonly ok: false; readonly error: ExtractHeldError; readonly extract: Extract };

const ID_FIELDS = [
  'rulingNumber',
  'docket',
  'rulingDate',
  'decision',
  'surname',
  'givenNames',
  'address',
  'nationalNumber',
] as const satisfies readonly (keyof Extract)[];
const LINE_FIELDS = [
  'academicYear',
  'institution',
  'programme',
  'requested',
  'returned',
] as const satisfies readonly (keyof CreditLine)[];

/** The first field in which two readings of an extract differ, or undefined when they agree. */
export function firstDifference(a: Extract, b: Extract): ExtractField | undefined {
  for (const f of ID_FIELDS) if (a[f] !== b[f]) return f;
  if (a.lines.length !== b.lines.length) return 'lines';
  for (let i = 0; i < a.lines.length; i++) {
    for (const f of LINE_FIELDS) if (a.lines[i]![f] !== b.lines[i]![f]) return f;
  }
  return undefined;
}

/**
 * Compares the reading of the visible text with the reading of all text: the field read from
 * hidden text, `file` when hidden text makes the whole unreadable, or undefined when the hidden
 * text changes nothing.
 */
export function hiddenTextField(visible: ParseResult, all: ParseResult | null): ExtractField | undefined {
  if (all === null) return 'file';
  if (visible.ok && all.ok) return firstDifference(visible.extract, all.extract);
  if (visible.ok && !all.ok) return all.error.field ?? 'file';
  if (!visible.ok && all.ok) return visible.error.field ?? 'file';
  if (!visible.ok && !all.ok) {
    const same = visible.error.code === all.error.code && visible.error.field === all.error.field;
    return same ? undefined : (visible.error.field ?? 'file');
  }
  return undefined;
}

/**
 * Reads an extract from the text a PDF reader returned, visible text only: `HIDDEN_TEXT` when a
 * field would be read from hidden text, `SCANNED_EXTRACT` (held) when a scan's OCR text reads as
 * a valid extract, otherwise what the parser says. Never throws for bad input.
 */
export function readExtract(text: PdfText, options: ReadOptions = {}): ReadResult {
  const visible = parsePdfText(text, options);
  if (text.allPages !== undefined) {
    const all = text.allPages === null ? null : parsePdfText({ ...text, pages: text.allPages }, options);
    const field = hiddenTextField(visible, all);
    if (field) return { ok: false, error: rejection('HIDDEN_TEXT', field) };
  }
  if (visible.ok && (text.scannedPages?.length ?? 0) > 0 && !options.scanApproved) {
    return {
      ok: false,
      error: hold('SCANNED_EXTRACT', { rulingNumber: visible.extract.rulingNumber }),
      extract: visible.extract,
    };
  }
  return visible;
}
