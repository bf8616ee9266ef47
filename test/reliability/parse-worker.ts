/**
 * Runs the parser in a worker thread for the fuzz tests, so that a parse that never ends (an
 * infinite loop in pdf.js or a regular expression that backtracks forever) is cut off by
 * `worker.terminate()` and reported as a hang, instead of freezing the test process.
 *
 * Requests: `{ id, kind: 'pdf' | 'text' | 'raw', bytes?, text?, now }`. Replies with the
 * outcome, the time the parse took, and — for anything but a coded rejection — the error as
 * thrown (a crash).
 */
import { parentPort } from 'node:worker_threads';
import { PDFParse } from 'pdf-parse';
import { ExtractRejectedError } from '../../shared/domain/errors.js';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { parseText } from '../../shared/domain/parser.js';
import type { Extract, Message } from '../../shared/domain/types.js';

export type ParseRequest =
  | { readonly id: number; readonly kind: 'pdf'; readonly bytes: Uint8Array; readonly now: number }
  | { readonly id: number; readonly kind: 'text'; readonly text: string; readonly now: number }
  | { readonly id: number; readonly kind: 'raw'; readonly bytes: Uint8Array };

export type ParseOutcome =
  | { readonly kind: 'accepted'; readonly extract: Extract }
  | { readonly kind: 'rejected'; readonly code: string; readonly field?: string; readonly messages: Message }
  /** The page's text as a person reads it (see `visualText`), or null when pdf.js cannot open the file. */
  | { readonly kind: 'raw'; readonly text: string | null }
  | { readonly kind: 'crash'; readonly name: string; readonly message: string; readonly stack?: string };

export type ParseReply = { readonly id: number; readonly ms: number } & ParseOutcome;

interface TextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

/**
 * The oracle's view of a PDF, read the way a person reads the page: pdf.js's text items grouped
 * into visual lines (baselines within 40 % of the larger font size of each other, the tolerance
 * the README states), lines top to bottom, items left to right, a space wherever two items do not
 * touch. Deliberately simpler than the parser: no cells, no columns, no page furniture, no soft
 * hyphens. Text with no place on the page (size zero, positions that are not numbers) is left
 * out; the same text drawn twice on one spot reads once, other text drawn over text makes the
 * line `OVERLAP` (no reading).
 */
async function visualText(bytes: Uint8Array): Promise<string> {
  const p = new PDFParse({ data: new Uint8Array(bytes), verbosity: 0 });
  try {
    const doc = await (
      p as unknown as {
        load(): Promise<{
          numPages: number;
          getPage(n: number): Promise<{ getTextContent(): Promise<{ items: unknown[] }> }>;
        }>;
      }
    ).load();
    const lines: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const items = (await (await doc.getPage(n)).getTextContent()).items
        .filter((i): i is TextItem => typeof i === 'object' && i !== null && 'str' in i && 'transform' in i)
        .filter((i) => i.str.trim() !== '')
        .map((i) => ({
          str: i.str,
          x: i.transform[4] ?? NaN,
          y: i.transform[5] ?? NaN,
          w: i.width,
          size: Math.hypot(i.transform[2] ?? 0, i.transform[3] ?? 0),
          h: i.height,
        }))
        .filter((i) => [i.x, i.y, i.w].every(Number.isFinite) && (i.size > 0 || i.w > 0 || i.h > 0))
        .sort((a, b) => b.y - a.y);
      const rows: (typeof items)[] = [];
      for (const i of items) {
        const row = rows.at(-1);
        if (row && Math.abs(row[0]!.y - i.y) <= Math.max(row[0]!.size || 10, i.size || 10) * 0.4) row.push(i);
        else rows.push([i]);
      }
      for (const row of rows) {
        row.sort((a, b) => a.x - b.x);
        let line = '';
        let end = -Infinity;
        let overlap = false;
        let prev: (typeof row)[number] | undefined;
        for (const i of row) {
          if (/^\p{M}+$/u.test(i.str)) {
            line += i.str;
            continue;
          }
          // The same text drawn again on the same spot reads once (a bolder "27" is still 27).
          if (prev && prev.str === i.str && Math.abs(prev.x - i.x) <= 1) continue;
          if (end - i.x > Math.max(1, i.w / 3)) overlap = true;
          prev = i;
          line +=
            (line && i.x > end + 0.5 && !line.endsWith(' ') && !i.str.startsWith(' ') ? ' ' : '') + i.str;
          end = Math.max(end, i.x + i.w);
        }
        lines.push(overlap ? 'OVERLAP' : line);
      }
    }
    return lines.join('\n');
  } finally {
    await p.destroy().catch(() => undefined);
  }
}

function crash(error: unknown): ParseOutcome {
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'crash', name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
}

async function handle(req: ParseRequest): Promise<ParseOutcome> {
  switch (req.kind) {
    case 'pdf': {
      const r = await parseExtract(req.bytes, { now: new Date(req.now) });
      return r.ok
        ? { kind: 'accepted', extract: r.extract }
        : {
            kind: 'rejected',
            code: r.error.code,
            ...(r.error.field ? { field: r.error.field } : {}),
            messages: r.error.messages,
          };
    }
    case 'text':
      try {
        return { kind: 'accepted', extract: parseText([req.text], { now: new Date(req.now) }) };
      } catch (e) {
        if (!(e instanceof ExtractRejectedError)) throw e;
        return {
          kind: 'rejected',
          code: e.code,
          ...(e.field ? { field: e.field } : {}),
          messages: e.messages,
        };
      }
    case 'raw':
      try {
        return { kind: 'raw', text: await visualText(req.bytes) };
      } catch {
        return { kind: 'raw', text: null };
      }
  }
}

parentPort?.on('message', (req: ParseRequest) => {
  const t = performance.now();
  void handle(req)
    .catch(crash)
    .then((outcome) => parentPort!.postMessage({ id: req.id, ms: performance.now() - t, ...outcome }));
});
