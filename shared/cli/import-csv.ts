/** `ruling-intake import balances|enrolments`: a DHO CSV in chunks, with a progress bar on a terminal. */
import { readFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { apiClient, CliError, ensureOk } from './api-client.js';
import { EXIT, print, printJson, type Lang } from './output.js';
import type { ApiOut } from './commands.js';

const IMPORT_CHUNK = 250;

/** Sends the CSV in chunks (with its header on each) and shows a progress bar on stderr. */
export async function cmdImport(kind: string, file: string, opts: ApiOut): Promise<number> {
  if (kind !== 'balances' && kind !== 'enrolments')
    throw new CliError(`Unknown import ${kind}: use balances or enrolments.`);
  const api = await apiClient(opts, 'operator');
  const lines = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines[0] ?? '';
  const hasHeader = /^\s*"?national/i.test(first);
  const header = hasHeader ? first : undefined;
  const body = (hasHeader ? lines.slice(1) : lines)
    .map((text, i) => ({ text, line: i + (hasHeader ? 2 : 1) }))
    .filter((l) => l.text.trim());
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
    const csv = [...(header ? [header] : []), ...chunk.map((l) => l.text)].join('\n');
    const r = await api.call('POST', `/v1/admin/imports/${kind}`, { text: csv, contentType: 'text/csv' });
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
