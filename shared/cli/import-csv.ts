/**
 * The CLI's import file: read with csv-parse (a quoted cell may hold commas, quotes and newlines)
 * and sent in chunks, each written back with csv-stringify under the file's header. Every row keeps
 * the line of the file it starts on, so a refused line is reported where the operator can find it.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CSV_READ, startLine, type CsvRecordWithInfo } from '../contract/csv.js';

export interface CsvRow {
  /** The line of the file the row starts on (1-based). */
  readonly line: number;
  readonly values: string[];
}

/** The header (when the first row names the national number column) and the rows of a file. */
export function readImportFile(text: string): { header: string[] | undefined; rows: CsvRow[] } {
  const records = parse(text, { ...CSV_READ, info: true, raw: true }) as unknown as CsvRecordWithInfo[];
  const rows = records.map((r) => ({ line: startLine(r), values: r.record }));
  const hasHeader = /^national/i.test(rows[0]?.values[0] ?? '');
  return hasHeader ? { header: rows[0]!.values, rows: rows.slice(1) } : { header: undefined, rows };
}

/** One request body: the header (if any) and the rows, as CSV. */
export function importChunk(header: string[] | undefined, rows: readonly CsvRow[]): string {
  return stringify([...(header ? [header] : []), ...rows.map((r) => r.values)]);
}
