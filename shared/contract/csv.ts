/**
 * The CSV dialect of the API, defined once for the server, the CLI and the console (each calls
 * csv-parse / csv-stringify with these options: the console through their browser builds).
 * Import-free, so the console type-checks without Node's types.
 *
 * - Imports (`POST /v1/admin/imports/*`, the console's list of numbers, the CLI's file): comma or
 *   semicolon, a byte-order mark ignored, cells trimmed, blank lines skipped, a line may have
 *   fewer or more cells than the header; quoted cells may hold commas, quotes and newlines.
 * - Exports (the audit log, the console's credit list): CRLF lines, an unquoted header, every cell
 *   quoted, and a cell that starts with = + - @ prefixed with `'` so a spreadsheet does not run it.
 */

/** csv-parse options for every CSV read. */
export const CSV_READ = {
  bom: true,
  delimiter: [',', ';'] as string[],
  relax_column_count: true,
  skip_empty_lines: true,
  trim: true,
};

/** csv-parse's record with `info: true, raw: true`. */
export interface CsvRecordWithInfo {
  readonly record: string[];
  readonly info: { readonly lines: number };
  readonly raw: string;
}

/** The line a record starts on: csv-parse reports where it ends, and a quoted newline spans lines. */
export function startLine({ info, raw }: CsvRecordWithInfo): number {
  return info.lines - (raw.replace(/(\r?\n)+$/, '').match(/\r?\n/g)?.length ?? 0);
}

/** A cell a spreadsheet shows as text, never runs as a formula. */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@]/.test(text) ? `'${text}` : text;
}

/** csv-stringify options for the header line of an export. */
export const CSV_HEADER = { record_delimiter: '\r\n' } as const;

/** csv-stringify options for the rows of an export. */
export const CSV_ROWS = {
  record_delimiter: '\r\n',
  quoted: true,
  quoted_empty: true,
  cast: { string: spreadsheetSafe },
} as const;
