/**
 * Positioned text of a PDF, through pdf-parse v2 (which wraps Mozilla's pdf.js).
 *
 * pdf-parse's `getText()` joins text items in content-stream order, which differs between
 * producers (a table cell that wraps may come before or after the rest of its row). We need
 * the positions pdf.js reports for each item to rebuild visual lines and table columns, so we
 * read the items of each page ourselves from the document pdf-parse has loaded (one load:
 * pdf-parse classifies the load errors — password, invalid, format — for us).
 *
 * pdf.js runs in a worker thread with work limits per extract. In Node its own "worker" runs on
 * the calling thread and yields only through microtasks, so a hostile file (e.g. 40,000 nested
 * `q` operators: 80 KB, over a minute of CPU, quadratic in pdf.js's state stack) would block the
 * event loop with no timer able to fire. In a worker thread the caller stays responsive and
 * `terminate()` stops the work. The limits are deterministic where they can be — objects and
 * decoded Flate bytes counted on the file (`work-limits.ts`), operators and nesting per page
 * (`page-walk.ts`), the worker's heap (`resourceLimits`) — and otherwise measured in CPU time of
 * the worker's thread, which a busy machine does not inflate: over any of them the extract is
 * `PDF_TOO_COMPLEX`. The wall-clock limit is a last resort and a transient failure (retried),
 * never a rejection: a valid extract read on a saturated machine is slow, not damaged.
 *
 * What is read is what a person sees: `page-walk.ts` places every glyph with the graphics state
 * and says which are hidden; when any is, both readings go to the domain (`visibility.ts`).
 *
 * The worker runs this very module (`import.meta.url`: the source
 * file, or the function bundle that contains it), started once and reused.
 */
import type * as PdfParseModule from 'pdf-parse';
import { setTimeout as delay } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { ExtractRejectedError } from '../../domain/errors.js';
import {
  buildLines,
  looksLikePdf,
  type HiddenReason,
  type Line,
  type PdfText,
  type Positioned,
} from '../../domain/layout.js';
import { LIMITS } from '../../domain/limits.js';
import { rejection } from '../../domain/messages.js';
import type { ParseOptions } from '../../domain/parser.js';
import { pageImagePng, type DecodedImage } from './png.js';
import { normaliseText } from '../../domain/text.js';
import { readExtract, type ReadResult } from '../../domain/visibility.js';
import type { PdfTextReader } from '../../ports/index.js';
import {
  TooComplexError,
  walkPage,
  type PlacedGlyph,
  type VerticalRule,
  type WalkPage,
} from './page-walk.js';
import { countWork } from './work-limits.js';
import type { ExtractField, Message, RejectionCode } from '../../domain/types.js';

interface PdfJsTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
}

interface PdfJsPage extends WalkPage {
  getTextContent(): Promise<{ items: unknown[] }>;
  cleanup(): void;
}

interface PdfJsDocument {
  numPages: number;
  getPage(n: number): Promise<PdfJsPage>;
  getOptionalContentConfig(): Promise<{ isVisible(group: unknown): boolean }>;
}

function isTextItem(item: unknown): item is PdfJsTextItem {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

function pdfError(error: unknown): ExtractRejectedError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') return rejection('PDF_ENCRYPTED', 'file');
  if (error instanceof TooComplexError) return rejection('PDF_TOO_COMPLEX', 'file');
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

/**
 * Deterministic work limits of a read (docs: extract-format, `PDF_TOO_COMPLEX`): what an extract
 * from the template needs is far below each (a few thousand operators, a few hundred KiB decoded).
 */
export const READ_LIMITS = {
  /** Operators in all pages' operator lists (per page: `WALK_LIMITS`). */
  maxOperators: 150_000,
  maxImagePixels: 40_000_000,
} as const;

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
    const work = countWork(bytes);
    if ('exceeded' in work) throw rejection('PDF_TOO_COMPLEX', 'file');
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

/** pdf.js text-content items as positioned items for `buildLines`. */
function textContentItems(items: unknown[]): Positioned[] {
  return (
    items
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
      })
  );
}

/**
 * Glyphs placed by the page walk as positioned items: runs of glyphs of one show-text operation
 * that touch (a word, or a word's part), so `buildLines` finds the spaces and cells from the gaps
 * as it does for pdf.js's text items. `visible`: hidden glyphs left out, and a glyph whose Unicode
 * mapping disagrees with its name read as what it draws; `all`: every glyph as its mapping reads.
 */
function glyphItems(glyphs: readonly PlacedGlyph[], which: 'visible' | 'all'): Positioned[] {
  const out: Positioned[] = [];
  let cur:
    | { x: number; y: number; xEnd: number; size: number; text: string; run: number; block: number }
    | undefined;
  const flush = (): void => {
    if (!cur) return;
    const text = normaliseText(cur.text);
    const softHyphen = text.trim() === '' && cur.text.includes('\u00ad');
    if (
      [cur.x, cur.y, cur.xEnd, cur.size].every((v) => Number.isFinite(v)) &&
      cur.size > 0 &&
      (text || softHyphen)
    ) {
      out.push({ x: cur.x, y: cur.y, xEnd: cur.xEnd, size: cur.size, text, softHyphen });
    }
    cur = undefined;
  };
  for (const g of glyphs) {
    let text = g.text;
    if (which === 'visible' && g.hidden) {
      if (g.hidden !== 'unicode-mismatch' || g.drawn === undefined) {
        flush();
        continue;
      }
      text = g.drawn;
    }
    const gap = cur ? g.x - cur.xEnd : 0;
    // One word: glyphs of one show-text operation, or — from a producer that shows glyph by
    // glyph (Chromium, kerning each pair) — of one text object; another text object is another
    // word even where it touches (a right-aligned header drawn over its neighbour's end).
    const sameText = cur?.run === g.run || cur?.block === g.block;
    if (
      cur &&
      sameText &&
      Math.abs(g.y - cur.y) <= cur.size * 0.2 &&
      gap <= cur.size * 0.1 &&
      gap >= -cur.size * 0.6
    ) {
      cur.text += text;
      cur.xEnd = Math.max(cur.xEnd, g.xEnd);
      cur.run = g.run;
      continue;
    }
    flush();
    cur = { x: g.x, y: g.y, xEnd: g.xEnd, size: g.size, text, run: g.run, block: g.block };
  }
  flush();
  return out;
}

/**
 * The image a scanned page is (the one covering most of it) as PNG, or undefined when pdf.js did
 * not decode it (over `maxImagePixels`) or within a second: the operator then sees the values
 * read without the image, and the extract is held all the same.
 */
async function scanImage(
  page: { objs: unknown },
  objId: string | undefined,
): Promise<Uint8Array | undefined> {
  const objs = page.objs as { get(id: string, callback: (img: unknown) => void): void };
  if (!objId) return undefined;
  const img = await Promise.race([
    new Promise<unknown>((resolve) => {
      try {
        objs.get(objId, resolve);
      } catch {
        resolve(undefined);
      }
    }),
    delay(1000, undefined, { ref: false }),
  ]);
  if (!img || typeof img !== 'object' || !('data' in img) || !('kind' in img)) return undefined;
  try {
    return pageImagePng(img as DecodedImage);
  } catch {
    return undefined;
  }
}

async function extractWithPdfjs(bytes: Uint8Array): Promise<PdfText> {
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy. Verbosity 1:
  // warnings, which the tap above collects.
  const { PDFParse } = await loadPdfParse();
  const parser = new PDFParse({
    data: new Uint8Array(bytes),
    verbosity: 1,
    isEvalSupported: false,
    // The page walk reads glyph names (encoding, differences) from the fonts.
    fontExtraProperties: true,
    // Images over this many pixels are not decoded (a scan of an A4 page at 300 dpi: 8.7 M).
    maxImageSize: READ_LIMITS.maxImagePixels,
  });
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
    let optional: { isVisible(group: unknown): boolean } | undefined;
    try {
      optional = await doc.getOptionalContentConfig();
    } catch {
      optional = undefined;
    }
    const visibleOf = (group: unknown): boolean => {
      try {
        return optional ? optional.isVisible(group) : true;
      } catch {
        return true;
      }
    };
    const fromTextContent: Line[][] = [];
    const walked: PlacedGlyph[][] = [];
    const hidden: { page: number; reason: HiddenReason; glyphs: number }[] = [];
    const scannedPages: number[] = [];
    const scanImages: { page: number; png: Uint8Array }[] = [];
    const rules: VerticalRule[][] = [];
    let operators = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      let items: unknown[];
      let glyphs: PlacedGlyph[];
      try {
        const page = await doc.getPage(n);
        // The operator list first: its size is checked before the text content, which pdf.js
        // builds in time quadratic in the nesting of graphics states.
        const walk = await walkPage(page, visibleOf);
        operators += walk.operators;
        if (operators > READ_LIMITS.maxOperators) throw new TooComplexError('operators');
        glyphs = walk.glyphs;
        rules.push(walk.rules);
        // A scan: an opaque image over (nearly) the whole page, and all its text invisible or
        // under the image — the recognised-text layer of ocrmypdf, tesseract, scanners.
        const inked = glyphs.filter((g) => /[\p{L}\p{N}]/u.test(g.text));
        const scan =
          (walk.images[0]?.coverage ?? 0) >= 0.8 &&
          inked.length > 0 &&
          inked.every((g) => g.hidden === 'invisible' || g.hidden === 'covered');
        if (scan) {
          scannedPages.push(n);
          const png = await scanImage(page, walk.images[0]?.objId);
          if (png) scanImages.push({ page: n, png });
          glyphs = glyphs.map(({ hidden: _h, ...g }) => g);
        } else {
          const counts = new Map<HiddenReason, number>();
          for (const g of inked) if (g.hidden) counts.set(g.hidden, (counts.get(g.hidden) ?? 0) + 1);
          for (const [reason, count] of counts) hidden.push({ page: n, reason, glyphs: count });
        }
        items = (await page.getTextContent()).items;
        page.cleanup();
      } catch (error) {
        throw pdfError(error);
      }
      fromTextContent.push(buildLines(textContentItems(items), n));
      walked.push(glyphs);
    }
    const hasText = (pages: Line[][]): boolean =>
      pages.some((p) => p.some((l) => /[\p{L}\p{N}]/u.test(l.text)));
    if (hidden.length === 0 && scannedPages.length === 0) {
      // Everything is visible: pdf.js's text content, as before.
      if (!hasText(fromTextContent)) throw rejection('NO_TEXT_LAYER', 'file');
      return { pageCount: doc.numPages, pages: fromTextContent, rules };
    }
    // Some text is hidden, or a page is a scan: both readings from the glyphs the walk placed.
    const visiblePages = walked.map((glyphs, i) => buildLines(glyphItems(glyphs, 'visible'), i + 1));
    let all: Line[][] | null;
    try {
      all = walked.map((glyphs, i) => buildLines(glyphItems(glyphs, 'all'), i + 1));
    } catch (error) {
      // Hidden text drawn over visible text: no order can be read with both.
      if (!(error instanceof ExtractRejectedError)) throw error;
      all = null;
    }
    if (!hasText(visiblePages) && (all === null || !hasText(all))) throw rejection('NO_TEXT_LAYER', 'file');
    return {
      pageCount: doc.numPages,
      pages: visiblePages,
      rules,
      ...(hidden.length > 0 ? { allPages: all, hidden } : {}),
      ...(scannedPages.length > 0 ? { scannedPages } : {}),
      ...(scanImages.length > 0 ? { scanImages } : {}),
    };
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

export interface ReadPdfOptions {
  /**
   * Wall-clock limit for a read (default `LIMITS.parseTimeoutMs`), a last resort: over it the
   * read fails with a transient `PdfReadTimeoutError` (the message is retried), never a rejection.
   */
  readonly timeoutMs?: number;
  /** CPU time of the reader's thread for one read (default `LIMITS.parseCpuLimitMs`): over it, `PDF_TOO_COMPLEX`. */
  readonly cpuLimitMs?: number;
}

/**
 * A read that did not finish within the wall-clock limit: the machine was busy or the file is
 * slow to read. Not the extract's fault: transient, the message is retried (a file that needs
 * too much work is `PDF_TOO_COMPLEX` by the CPU-time and work limits before this).
 */
export class PdfReadTimeoutError extends Error {
  constructor(ms: number) {
    super(`PDF read did not finish within ${ms} ms`);
    this.name = 'PdfReadTimeoutError';
  }
}

/**
 * Opens a PDF and returns its positioned text. Rejects with `NOT_A_PDF`, `TOO_LARGE`,
 * `PDF_ENCRYPTED`, `PDF_DAMAGED`, `PDF_TOO_COMPLEX` (work limits: objects, decoded bytes,
 * operators, the reader's CPU time and memory) or `NO_TEXT_LAYER`; fails with a transient
 * `PdfReadTimeoutError` past the wall-clock limit.
 */
export async function readPdfText(bytes: Uint8Array, options: ReadPdfOptions = {}): Promise<PdfText> {
  if (bytes.byteLength > LIMITS.maxExtractBytes)
    throw rejection('TOO_LARGE', 'file', { size: bytes.byteLength });
  if (!looksLikePdf(bytes)) throw rejection('NOT_A_PDF', 'file');
  pdfWorker ??= new PdfTextWorker();
  return pdfWorker.read(bytes, {
    timeoutMs: options.timeoutMs ?? LIMITS.parseTimeoutMs,
    cpuLimitMs: options.cpuLimitMs ?? LIMITS.parseCpuLimitMs,
  });
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

/**
 * A one-line PDF read once when the worker starts: pdf.js loads its own worker module and font
 * tables at the first read (seconds on a busy machine), which would otherwise count in the
 * first extract's limits.
 */
const WARM_UP_PDF = (() => {
  const content = 'BT /F1 12 Tf 72 720 Td (warm-up 0123456789) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
})();

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  void extractPdfText(WARM_UP_PDF)
    .catch(() => undefined)
    .then(() => {
      serve(port);
      // Loaded (pdf.js included): from now on a read's limits measure reading, not start-up.
      port.postMessage({ ready: true });
    });
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

  read(bytes: Uint8Array, limits: { timeoutMs: number; cpuLimitMs: number }): Promise<PdfText> {
    const job = this.queue.then(() => this.run(bytes, limits));
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
      // A hostile PDF (form or flate bomb) ends this worker, not the function (1024 MB).
      resourceLimits: {
        maxOldGenerationSizeMb: READER_MEMORY.maxOldGenerationSizeMb,
        maxYoungGenerationSizeMb: READER_MEMORY.maxYoungGenerationSizeMb,
      },
      ...(needsLoader ? { execArgv: ['--import', import.meta.resolve('tsx')] } : {}),
    });
    worker.unref(); // never keeps the process alive between reads (a read holds a timer)
    this.ready = new Promise<void>((resolve, reject) => {
      // Not unref'd: while the worker starts (and reads its warm-up file) this timer is what keeps
      // a process that only waits for the read alive (the CLI's parse, the benchmark).
      const timer = setTimeout(() => reject(new Error('PDF worker did not start')), WORKER_START_LIMIT_MS);
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

  private async run(bytes: Uint8Array, limits: { timeoutMs: number; cpuLimitMs: number }): Promise<PdfText> {
    const worker = (this.worker ??= this.spawn());
    try {
      await this.ready;
    } catch (e) {
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
      throw outOfMemory(e) ? rejection('PDF_TOO_COMPLEX', 'file') : e;
    }
    const id = this.nextId++;
    return new Promise<PdfText>((resolve, reject) => {
      // Asked for without awaiting: the wall-clock timer below is what keeps the process alive.
      let cpuAtStart: number | undefined;
      void cpuMs(worker).then((ms) => (cpuAtStart = ms));
      const done = (): void => {
        clearTimeout(timer);
        clearInterval(cpuWatch);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const discard = (): void => {
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
      };
      // The last resort: a read that takes this long on the wall clock is retried later.
      const timer = setTimeout(() => {
        done();
        discard();
        reject(new PdfReadTimeoutError(limits.timeoutMs));
      }, limits.timeoutMs);
      // The work limit that does not depend on the load of the machine: CPU time of the thread.
      const cpuWatch = setInterval(() => {
        void cpuMs(worker).then((ms) => {
          if (cpuAtStart === undefined || ms === undefined || ms - cpuAtStart <= limits.cpuLimitMs) return;
          done();
          discard();
          reject(rejection('PDF_TOO_COMPLEX', 'file'));
        });
      }, CPU_POLL_MS);
      cpuWatch.unref();
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
        // Out of its heap: the file needs more memory than any extract may.
        reject(outOfMemory(error) ? rejection('PDF_TOO_COMPLEX', 'file') : error);
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

/** Heap limits of the reader's worker thread (the intake function has 1024 MB in all). */
export const READER_MEMORY = { maxOldGenerationSizeMb: 320, maxYoungGenerationSizeMb: 32 } as const;

const CPU_POLL_MS = 200;

function outOfMemory(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** CPU time (user + system) of the worker's thread so far, in ms; undefined when it has ended. */
async function cpuMs(worker: Worker): Promise<number | undefined> {
  try {
    const u = await worker.cpuUsage();
    return (u.user + u.system) / 1000;
  } catch {
    return undefined;
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
): Promise<ReadResult> {
  let text: PdfText;
  try {
    text = await readPdfText(bytes, {
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.cpuLimitMs ? { cpuLimitMs: options.cpuLimitMs } : {}),
    });
  } catch (error) {
    if (error instanceof ExtractRejectedError) return { ok: false, error };
    throw error;
  }
  return readExtract(text, options);
}
