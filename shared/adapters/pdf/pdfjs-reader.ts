/**
 * Positioned text of a PDF, through pdf-parse v2 (which wraps Mozilla's pdf.js).
 *
 * pdf-parse's `getText()` joins text items in content-stream order, which differs between
 * producers (a table cell that wraps may come before or after the rest of its row). We need
 * the positions pdf.js reports for each item to rebuild visual lines and table columns, so we
 * read the items of each page ourselves from the document pdf-parse has loaded (one load:
 * pdf-parse classifies the load errors — password, invalid, format — for us).
 *
 * pdf.js runs in a worker thread with a time limit per extract (`LIMITS.parseTimeoutMs`). In
 * Node its own "worker" runs on the calling thread and yields only through microtasks, so a
 * hostile file (e.g. 40,000 nested `q` operators: 80 KB, over a minute of CPU, quadratic in
 * pdf.js's state stack) would block the event loop with no timer able to fire. In a worker
 * thread the caller stays responsive and `terminate()` stops the work; the extract is then
 * rejected as `PDF_DAMAGED`. The worker runs this very module (`import.meta.url`: the source
 * file, or the function bundle that contains it), started once and reused.
 */
import type * as PdfParseModule from 'pdf-parse';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { ExtractRejectedError } from '../../domain/errors.js';
import { buildLines, looksLikePdf, type Line, type PdfText } from '../../domain/layout.js';
import { LIMITS } from '../../domain/limits.js';
import { rejection } from '../../domain/messages.js';
import { parsePdfText, type ParseOptions, type ParseResult } from '../../domain/parser.js';
import { normaliseText } from '../../domain/text.js';
import type { PdfTextReader } from '../../ports/index.js';
import type { ExtractField, Message, RejectionCode } from '../../domain/types.js';

interface PdfJsTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
}

interface PdfJsPage {
  getTextContent(): Promise<{ items: unknown[] }>;
  cleanup(): void;
}

interface PdfJsDocument {
  numPages: number;
  getPage(n: number): Promise<PdfJsPage>;
}

function isTextItem(item: unknown): item is PdfJsTextItem {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

function pdfError(error: unknown): ExtractRejectedError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') return rejection('PDF_ENCRYPTED', 'file');
  return rejection('PDF_DAMAGED', 'file');
}

/**
 * pdf.js warnings that mean a page's content stream is corrupt. pdf.js then recovers "whatever
 * possible": the text read from the page stops or skips where the damage is, and an extract could
 * lose its last credit lines while everything before them still reads as a valid extract (found
 * by fuzzing: 40 bytes cut from a compressed page, one `)` overwritten). Totals are optional in the
 * format, so the text alone cannot show it is complete; the damage report can. A rebuilt cross-
 * reference table ("Indexing all PDF objects", e.g. after a line-end conversion) is not on this
 * list: it loses no text.
 */
const CONTENT_DAMAGE: readonly RegExp[] = [
  /^Warning: Unterminated (hex )?string/,
  /^Warning: getHexString - ignoring/,
  /^Warning: Unknown command /,
  /^Warning: Skipping command /,
  /^Warning: get(TextContent|OperatorList) - ignoring errors/,
];

/** Warnings pdf.js printed during the current read (reads are serialised by `extractPdfText`). */
let pdfjsWarnings: string[] | undefined;
let passThrough: (...args: unknown[]) => void = () => undefined;
const warningTap = (...args: unknown[]): void => {
  if (pdfjsWarnings && typeof args[0] === 'string' && args[0].startsWith('Warning: ')) {
    pdfjsWarnings.push(args[0]);
    return;
  }
  passThrough(...args);
};

/**
 * pdf.js reports through `console.warn`. During a read its warnings are collected instead of
 * printed: they may quote fragments of the page's content (personal data never reaches the logs),
 * and they tell whether the text is damaged. Outside a read `console.warn` behaves as before.
 * (Re)installed at each read, in case something replaced `console.warn` since.
 */
function tapPdfjsWarnings(): void {
  if (console.warn === warningTap) return;
  passThrough = console.warn.bind(console);
  console.warn = warningTap;
}

let readTurn: Promise<unknown> = Promise.resolve();

/**
 * The pdf.js part of `readPdfText`, on the calling thread (no time limit). Reads run one at a time
 * (pdf.js is CPU-bound on this thread anyway), so each read's warnings are its own.
 */
export function extractPdfText(bytes: Uint8Array): Promise<PdfText> {
  const turn = readTurn.then(() => readWithWarnings(bytes));
  readTurn = turn.catch(() => undefined);
  return turn;
}

async function readWithWarnings(bytes: Uint8Array): Promise<PdfText> {
  tapPdfjsWarnings();
  const warnings: string[] = [];
  pdfjsWarnings = warnings;
  try {
    const text = await extractWithPdfjs(bytes);
    if (warnings.some((w) => CONTENT_DAMAGE.some((re) => re.test(w)))) {
      throw rejection('PDF_DAMAGED', 'file');
    }
    return text;
  } finally {
    pdfjsWarnings = undefined;
  }
}

/**
 * pdf.js is loaded on first use, not when this module is: the thread that only starts the worker
 * (the CLI's `parse`, the intake) would otherwise load pdf.js a second time for nothing. The
 * worker loads it before it reports ready, so a read's time limit still measures reading.
 */
let pdfParse: Promise<typeof PdfParseModule> | undefined;
const loadPdfParse = (): Promise<typeof PdfParseModule> => (pdfParse ??= import('pdf-parse'));

async function extractWithPdfjs(bytes: Uint8Array): Promise<PdfText> {
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy. Verbosity 1:
  // warnings, which the tap above collects.
  const { PDFParse } = await loadPdfParse();
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: 1, isEvalSupported: false });
  try {
    let doc: PdfJsDocument;
    try {
      const info = await parser.getInfo();
      if (info.total > LIMITS.maxPages) throw rejection('TOO_LARGE', 'file', { pages: info.total });
      // `load()` is private in pdf-parse's typings but is how it exposes the pdf.js document it
      // already opened; reusing it avoids parsing the file twice.
      doc = await (parser as unknown as { load(): Promise<PdfJsDocument> }).load();
    } catch (error) {
      if (error instanceof ExtractRejectedError) throw error;
      throw pdfError(error);
    }
    const pages: Line[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      let items: unknown[];
      try {
        const page = await doc.getPage(n);
        items = (await page.getTextContent()).items;
        page.cleanup();
      } catch (error) {
        throw pdfError(error);
      }
      const positioned = items
        .filter(isTextItem)
        // Text that has no place on the page is not part of what the page says: drawn at size
        // zero it is invisible and all its items land on one point, where no order can be read
        // (a zero font size once turned "Anna Maria" into "AnnaMaria"); a damaged text matrix
        // gives positions that are not numbers, which would sort anywhere.
        .filter(
          (i) =>
            [i.transform[4], i.transform[5], i.width].every((v) => Number.isFinite(v)) &&
            (Math.hypot(i.transform[2] ?? 0, i.transform[3] ?? 0) > 0 || i.width > 0 || i.height > 0),
        )
        .map((i) => {
          const size = Math.hypot(i.transform[2] ?? 0, i.transform[3] ?? 0) || i.height || 10;
          const x = i.transform[4] ?? 0;
          // NFKC here, once: ligatures, full-width digits and odd spaces never reach the parser.
          const text = normaliseText(i.str);
          const softHyphen = text.trim() === '' && i.str.includes('\u00ad');
          return { x, y: i.transform[5] ?? 0, xEnd: x + i.width, size, text, softHyphen };
        });
      pages.push(buildLines(positioned, n));
    }
    if (!pages.some((p) => p.some((l) => /[\p{L}\p{N}]/u.test(l.text)))) {
      throw rejection('NO_TEXT_LAYER', 'file');
    }
    return { pageCount: doc.numPages, pages };
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

export interface ReadPdfOptions {
  /** Time limit for pdf.js (default `LIMITS.parseTimeoutMs`); over it the extract is `PDF_DAMAGED`. */
  readonly timeoutMs?: number;
}

/**
 * Opens a PDF and returns its positioned text. Rejects with `NOT_A_PDF`, `TOO_LARGE`,
 * `PDF_ENCRYPTED`, `PDF_DAMAGED` (also when pdf.js exceeds the time limit) or `NO_TEXT_LAYER`.
 */
export async function readPdfText(bytes: Uint8Array, options: ReadPdfOptions = {}): Promise<PdfText> {
  if (bytes.byteLength > LIMITS.maxExtractBytes)
    throw rejection('TOO_LARGE', 'file', { size: bytes.byteLength });
  if (!looksLikePdf(bytes)) throw rejection('NOT_A_PDF', 'file');
  pdfWorker ??= new PdfTextWorker();
  return pdfWorker.read(bytes, options.timeoutMs ?? LIMITS.parseTimeoutMs);
}

// ---------------------------------------------------------------------------------------------
// The worker thread

const WORKER_ROLE = 'ruling-intake:pdf-text';

type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly text: PdfText }
  | {
      readonly id: number;
      readonly ok: false;
      readonly rejected?: { code: RejectionCode; field?: ExtractField; messages: Message };
      readonly error?: { name: string; message: string };
    };

/** Inside the worker: read each PDF sent, one at a time, and answer. */
function serve(port: MessagePort): void {
  port.on('message', (req: { id: number; bytes: Uint8Array }) => {
    void extractPdfText(req.bytes).then(
      (text): void => port.postMessage({ id: req.id, ok: true, text } satisfies WorkerReply),
      (e: unknown): void => {
        const reply: WorkerReply =
          e instanceof ExtractRejectedError
            ? {
                id: req.id,
                ok: false,
                rejected: { code: e.code, messages: e.messages, ...(e.field ? { field: e.field } : {}) },
              }
            : {
                id: req.id,
                ok: false,
                error: { name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) },
              };
        port.postMessage(reply);
      },
    );
  });
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  serve(port);
  // Loaded (pdf.js included): from now on a read's time limit measures reading, not start-up.
  // pdf.js's own worker code (which pdf.js runs on this thread in Node) loads on the first
  // document otherwise, inside the first read's time limit.
  void Promise.all([loadPdfParse(), import('./pdfjs-worker-code.js')]).then(() =>
    port.postMessage({ ready: true }),
  );
}

/**
 * One worker thread, started on first use, reading one PDF at a time (pdf.js is CPU-bound:
 * a second thread per extract would not make a batch faster). A read over its time limit
 * terminates the worker; the next read starts a fresh one.
 */
/** Start-up of a fresh worker (module and pdf.js load) on a busy machine; not part of a read's limit. */
const WORKER_START_LIMIT_MS = 60_000;

class PdfTextWorker {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;

  read(bytes: Uint8Array, timeoutMs: number): Promise<PdfText> {
    const job = this.queue.then(() => this.run(bytes, timeoutMs));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private spawn(): Worker {
    const url = new URL(import.meta.url);
    // A bundle (`.mjs`) runs as it is. From the TypeScript sources the worker needs tsx: it
    // inherits `--import tsx` from this thread's flags (npm scripts, the test runner), but not
    // a loader registered through tsx's API (the CLI launcher), which is then named explicitly.
    const needsLoader = url.pathname.endsWith('.ts') && !process.execArgv.some((a) => /(^|[/=])tsx/.test(a));
    const worker = new Worker(url, {
      workerData: { role: WORKER_ROLE },
      ...(needsLoader ? { execArgv: ['--import', import.meta.resolve('tsx')] } : {}),
    });
    worker.unref(); // never keeps the process alive between reads (a read holds a timer)
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('PDF worker did not start')), WORKER_START_LIMIT_MS);
      timer.unref();
      const onReady = (m: { ready?: boolean }): void => {
        if (!m?.ready) return;
        clearTimeout(timer);
        worker.off('message', onReady);
        resolve();
      };
      worker.on('message', onReady);
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    return worker;
  }

  private async run(bytes: Uint8Array, timeoutMs: number): Promise<PdfText> {
    const worker = (this.worker ??= this.spawn());
    try {
      await this.ready;
    } catch (e) {
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
      throw e;
    }
    const id = this.nextId++;
    return new Promise<PdfText>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const discard = (): void => {
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
      };
      const timer = setTimeout(() => {
        done();
        discard();
        reject(rejection('PDF_DAMAGED', 'file'));
      }, timeoutMs);
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id !== id) return;
        done();
        if (reply.ok) return resolve(reply.text);
        if (reply.rejected) {
          const r = reply.rejected;
          return reject(new ExtractRejectedError(r.code, r.messages, r.field));
        }
        const error = new Error(reply.error?.message ?? 'PDF worker failed');
        error.name = reply.error?.name ?? 'Error';
        reject(error);
      };
      const onError = (error: Error): void => {
        done();
        discard();
        reject(error);
      };
      const onExit = (code: number): void => {
        done();
        if (this.worker === worker) this.worker = undefined;
        reject(new Error(`PDF worker exited with code ${code}`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, bytes });
    });
  }
}

let pdfWorker: PdfTextWorker | undefined;

/** The `PdfTextReader` port over pdf.js (one worker per process, started on first use). */
export const pdfjsReader: PdfTextReader = { read: (bytes) => readPdfText(bytes) };

/**
 * Reads and parses an extract in one call (the CLI's `parse`, tests, the benchmark). Never throws
 * for bad input: returns the rejection.
 */
export async function parseExtract(
  bytes: Uint8Array,
  options: ParseOptions & ReadPdfOptions = {},
): Promise<ParseResult> {
  let text: PdfText;
  try {
    text = await readPdfText(bytes, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {});
  } catch (error) {
    if (error instanceof ExtractRejectedError) return { ok: false, error };
    throw error;
  }
  return parsePdfText(text, options);
}
