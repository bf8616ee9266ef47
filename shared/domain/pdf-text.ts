/**
 * Positioned text of a PDF, through pdf-parse v2 (which wraps Mozilla's pdf.js).
 *
 * pdf-parse's `getText()` joins text items in content-stream order, which differs between
 * producers (a table cell that wraps may come before or after the rest of its row). We need
 * the positions pdf.js reports for each item to rebuild visual lines and table columns, so we
 * read the items of each page ourselves from the document pdf-parse has loaded (one load:
 * pdf-parse classifies the load errors — password, invalid, format — for us).
 */
import { PDFParse } from 'pdf-parse';
import { ExtractRejectedError } from './errors.js';
import { LIMITS } from '../config/resources.js';
import { rejection } from './messages.js';
import { normaliseText } from './text.js';

/** A run of text on one visual line, with its horizontal extent in PDF points. */
export interface Cell {
  readonly x: number;
  readonly xEnd: number;
  readonly text: string;
  /** Font size, for judging gaps. */
  readonly size?: number;
  /** Joins the previous item without a space (it followed a soft hyphen). */
  readonly tight?: boolean;
}

/**
 * One visual line of a page, top to bottom: `cells` are runs separated by wide gaps, `items`
 * the text items as the PDF placed them (for assigning table cells to columns).
 */
export interface Line {
  readonly text: string;
  readonly cells: readonly Cell[];
  readonly items?: readonly Cell[];
  readonly page: number;
}

export interface PdfText {
  readonly pageCount: number;
  /** Lines per page, in reading order. */
  readonly pages: readonly (readonly Line[])[];
}

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

const PDF_MAGIC = Buffer.from('%PDF-');

/** True when the bytes start (within the first KiB, as readers allow) with the PDF header. */
export function looksLikePdf(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024));
  return head.indexOf(PDF_MAGIC) !== -1;
}

function isTextItem(item: unknown): item is PdfJsTextItem {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

interface Positioned {
  x: number;
  y: number;
  xEnd: number;
  size: number;
  text: string;
  /** The item held only a soft hyphen: the next item continues the same word. */
  softHyphen?: boolean;
}

/**
 * Joins items of one line left to right: no space where they touch (a word split over items,
 * or a soft hyphen between them), one space for a visible gap.
 */
export function joinItems(items: readonly Cell[]): string {
  let text = '';
  let prev: Cell | undefined;
  for (const item of items) {
    const size = item.size ?? 10;
    const gap = prev ? item.x - prev.xEnd : 0;
    const space =
      prev && !item.tight && gap > size * 0.15 && !text.endsWith(' ') && !item.text.startsWith(' ');
    text += (space ? ' ' : '') + item.text;
    prev = item;
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** Groups positioned items into visual lines (top to bottom) and cells (left to right). */
export function buildLines(positioned: readonly Positioned[], page: number): Line[] {
  const sorted = positioned
    .filter((i) => i.text.length > 0 || i.softHyphen)
    .sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: Positioned[][] = [];
  for (const item of sorted) {
    const row = rows[rows.length - 1];
    const first = row?.[0];
    // Same line when the baselines are within 40% of the font size of each other.
    if (row && first && Math.abs(first.y - item.y) <= Math.max(first.size, item.size) * 0.4) row.push(item);
    else rows.push([item]);
  }
  return rows
    .map((row) => {
      row.sort((a, b) => a.x - b.x);
      const items: Cell[] = [];
      let tight = false;
      for (const i of row) {
        if (i.softHyphen) {
          tight = true;
          continue;
        }
        if (i.text.trim() === '') continue; // spaces drawn as items carry no text and blur columns
        items.push({ x: i.x, xEnd: i.xEnd, text: i.text, size: i.size, ...(tight ? { tight } : {}) });
        tight = false;
      }
      // Cells: runs of items separated by gaps wider than about one character.
      const runs: Cell[][] = [];
      for (const item of items) {
        const run = runs[runs.length - 1];
        const last = run?.[run.length - 1];
        if (run && last && (item.tight || item.x - last.xEnd < (item.size ?? 10) * 1.2)) run.push(item);
        else runs.push([item]);
      }
      const cells = runs
        .map((run) => ({ x: run[0]!.x, xEnd: Math.max(...run.map((r) => r.xEnd)), text: joinItems(run) }))
        .filter((c) => c.text.length > 0);
      return { text: cells.map((c) => c.text).join('\t'), cells, items, page };
    })
    .filter((l) => l.cells.length > 0);
}

function pdfError(error: unknown): ExtractRejectedError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') return rejection('PDF_ENCRYPTED', 'file');
  return rejection('PDF_DAMAGED', 'file');
}

/**
 * Opens a PDF and returns its positioned text. Rejects with `NOT_A_PDF`, `TOO_LARGE`,
 * `PDF_ENCRYPTED`, `PDF_DAMAGED` or `NO_TEXT_LAYER`.
 */
export async function readPdfText(bytes: Uint8Array): Promise<PdfText> {
  if (bytes.byteLength > LIMITS.maxExtractBytes)
    throw rejection('TOO_LARGE', 'file', { size: bytes.byteLength });
  if (!looksLikePdf(bytes)) throw rejection('NOT_A_PDF', 'file');
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false });
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
      const positioned = items.filter(isTextItem).map((i) => {
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
