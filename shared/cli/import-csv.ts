/**
 * `ruling-intake import balances|enrolments`: a DHO CSV in chunks, with a progress bar on a terminal.
 *
 * The file is read with csv-parse (a quoted cell may hold commas, quotes and newlines) and sent in
 * chunks, each written back with csv-stringify under the file's header. Every row keeps the line of
 * the file it starts on, so a refused line is reported where the operator can find it.
 */
import { readFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CSV_READ, startLine, type CsvRecordWithInfo } from '../contract/csv.js';
import { apiClient, CliError, ensureOk } from './api-client.js';
import { EXIT, print, printJson, type Lang } from './output.js';
import type { ApiOut } from './commands.js';

const IMPORT_CHUNK = 250;

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

/** Sends the CSV in chunks (with its header on each) and shows a progress bar on stderr. */
export async function cmdImport(kind: string, file: string, opts: ApiOut): Promise<number> {
  if (kind !== 'balances' && kind !== 'enrolments')
    throw new CliError(`Unknown import ${kind}: use balances or enrolments.`);
  const api = await apiClient(opts, 'operator');
  const { header, rows: body } = readImportFile(await readFile(file, 'utf8'));
  const total = {
    lines: 0,
    accepted: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    refused: [] as { line: number; code: string; message: Record<Lang, string> }[],
  };
  const bar =
    opts.json || !process.stderr.isTTY
      ? undefined
      : new SingleBar({ format: `import ${kind} [{bar}] {value}/{total} lines`, stream: process.stderr });
  bar?.start(body.length, 0);
  for (let i = 0; i < body.length; i += IMPORT_CHUNK) {
    const chunk = body.slice(i, i + IMPORT_CHUNK);
    const text = importChunk(header, chunk);
    const r = await api.call('POST', `/v1/admin/imports/${kind}`, { text, contentType: 'text/csv' });
    ensureOk(r, opts.lang);
    const rep = r.body as typeof total;
    total.lines += rep.lines;
    total.accepted += rep.accepted;
    total.created += rep.created;
    total.updated += rep.updated;
    total.unchanged += rep.unchanged;
    // Map line numbers of the chunk back to the file's.
    for (const ref of rep.refused) {
      const original = chunk[ref.line - (header ? 2 : 1)]?.line ?? ref.line;
      total.refused.push({
        ...ref,
        line: original,
        message: {
          nl: ref.message.nl.replace(/^Lijn \d+/, `Lijn ${original}`),
          en: ref.message.en.replace(/^Line \d+/, `Line ${original}`),
        },
      });
    }
    bar?.update(Math.min(body.length, i + IMPORT_CHUNK));
  }
  bar?.stop();
  if (opts.json) printJson(total);
  else {
    print(
      `${total.lines} lines: ${total.accepted} accepted (${total.created} new, ${total.updated} updated, ${total.unchanged} unchanged), ${total.refused.length} refused`,
    );
    for (const r of total.refused) print(`  ${r.code}: ${r.message[opts.lang]}`);
  }
  return total.refused.length ? EXIT.importRefused : EXIT.ok;
}
