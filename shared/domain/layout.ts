/**
 * The page layout of an extract, from positioned text items to visual lines and cells. Pure: the
 * items come from a PDF reader behind the `PdfTextReader` port (pdf.js in
 * `shared/adapters/pdf/pdfjs-reader.ts`); this module only decides what is a line, a cell, and
 * which text was drawn over other text.
 */
import { rejection } from './messages.js';

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
  /** Baseline of the line (PDF points, up is larger) and its largest font size, when known. */
  readonly y?: number;
  readonly size?: number;
}

/**
 * Why a glyph cannot be seen (docs: extract-format, "Only what a person sees counts"): drawn in an
 * invisible render mode (3, 7), fully transparent or in hidden optional content; clipped away;
 * outside the page; in the colour of what is behind it; painted over by an opaque image or fill;
 * too small to read; or mapped by the PDF to another character than the glyph it draws.
 */
export type HiddenReason =
  'invisible' | 'clipped' | 'off-page' | 'background' | 'covered' | 'unreadable-size' | 'unicode-mismatch';

export interface PdfText {
  readonly pageCount: number;
  /** Lines per page, in reading order: the text a person sees (on a scan: its recognised text). */
  readonly pages: readonly (readonly Line[])[];
  /**
   * Present only when some text is hidden: the lines read with the hidden text as well (what a
   * text extractor that ignores the graphics would read), or `null` when the hidden text lies on
   * the visible text so that no order can be read.
   */
  readonly allPages?: readonly (readonly Line[])[] | null;
  /** Where hidden text was found (page, reason, count of glyphs); never the text itself. */
  readonly hidden?: readonly {
    readonly page: number;
    readonly reason: HiddenReason;
    readonly glyphs: number;
  }[];
  /** Pages that are an image with a recognised-text (OCR) layer: a scan (1-based). */
  readonly scannedPages?: readonly number[];
  /**
   * Vertical lines drawn on each page (index: page − 1), in the items' coordinates: table cell
   * borders, which tell where a column ends better than the header text does.
   */
  readonly rules?: readonly (readonly {
    readonly x: number;
    readonly yTop: number;
    readonly yBottom: number;
  }[])[];
  /** The image of each scanned page (PNG), for the operator who compares it with the values read. */
  readonly scanImages?: readonly { readonly page: number; readonly png: Uint8Array }[];
}

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

/** True when the bytes start (within the first KiB, as readers allow) with the PDF header. */
export function looksLikePdf(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, Math.min(bytes.byteLength, 1024));
  outer: for (let i = 0; i + PDF_MAGIC.length <= head.length; i++) {
    for (let j = 0; j < PDF_MAGIC.length; j++) if (head[i + j] !== PDF_MAGIC[j]) continue outer;
    return true;
  }
  return false;
}

export interface Positioned {
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

/**
 * Whether `b` starts well inside `a` (more than a point and more than a third of the narrower
 * of the two): text drawn over text. Combining marks drawn as their own items overlap their base
 * letter by design and do not count.
 */
function overlaps(a: Cell, b: Positioned): boolean {
  if (/^\p{M}+$/u.test(b.text) || /^\p{M}+$/u.test(a.text)) return false;
  // A zero-width glyph (a fallback font's mark or joiner inside a name) covers nothing.
  if (b.xEnd - b.x <= 0.5) return false;
  const overlap = a.xEnd - b.x;
  return overlap > Math.max(1, Math.min(a.xEnd - a.x, b.xEnd - b.x) / 3);
}

/**
 * Groups positioned items into visual lines (top to bottom) and cells (left to right). Text drawn
 * over other text on one line is rejected as PDF_DAMAGED (see `overlaps`).
 */
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
        const prev = items[items.length - 1];
        if (prev && overlaps(prev, i)) {
          // The same text drawn twice a hair apart is one text (fake bold); other text drawn
          // over text cannot be read in any order (a damaged file drew a line over another).
          if (prev.text === i.text && Math.abs(prev.x - i.x) <= 1) continue;
          throw rejection('PDF_DAMAGED', 'file', { overprintedPage: page });
        }
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
      const y = row[0]!.y;
      const size = Math.max(...row.map((i) => i.size));
      return { text: cells.map((c) => c.text).join('\t'), cells, items, page, y, size };
    })
    .filter((l) => l.cells.length > 0);
}
