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

/** A run of text on one visual line, with its horizontal extent in PDF points. */
export interface Cell {
  readonly x: number;
  readonly xEnd: number;
  readonly text: string;
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
}

/** Groups positioned items into visual lines (top to bottom) and cells (left to right). */
export function buildLines(items: readonly Positioned[], page: number): Line[] {
  const sorted = items.filter((i) => i.text.length > 0).sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: Positioned[][] = [];
  for (const item of sorted) {
    const row = rows[rows.length - 1];
    const first = row?.[0];
    // Same line when the baselines are within 40% of the font size of each other.
    if (row && first && Math.abs(first.y - item.y) <= Math.max(first.size, item.size) * 0.4) row.push(item);
    else rows.push([item]);
  }
  return rows.map((row) => {
    row.sort((a, b) => a.x - b.x);
    const cells: { x: number; xEnd: number; text: string }[] = [];
    for (const item of row) {
      const last = cells[cells.length - 1];
      const gap = last ? item.x - last.xEnd : Infinity;
      if (last && gap < item.size * 1.2) {
        // Same cell: a small gap is a word space unless the item already carries one.
        const space =
          gap > item.size * 0.15 && !last.text.endsWith(' ') && !item.text.startsWith(' ') ? ' ' : '';
        last.text += space + item.text;
        last.xEnd = Math.max(last.xEnd, item.xEnd);
      } else {
        cells.push({ x: item.x, xEnd: item.xEnd, text: item.text });
      }
    }
    const clean = cells
      .map((c) => ({ ...c, text: c.text.replace(/\s+/g, ' ').trim() }))
      .filter((c) => c.text.length > 0);
    const items = row
      .map((i) => ({ x: i.x, xEnd: i.xEnd, text: i.text.replace(/\s+/g, ' ').trim() }))
      .filter((i) => i.text.length > 0);
    return { text: clean.map((c) => c.text).join('\t'), cells: clean, items, page };
  });
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
        return { x, y: i.transform[5] ?? 0, xEnd: x + i.width, size, text: i.str };
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
