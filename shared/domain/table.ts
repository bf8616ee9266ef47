/**
 * The credit-line table read from its geometry (pure: positioned lines in, cell texts out).
 *
 * Office tools print tables in ways that text order alone cannot undo: header cells centred or
 * right-aligned over left-aligned cells (or the reverse), header text wrapping over two or three
 * lines, wrapped cells vertically centred in their row (so their first line stands above the
 * row's academic year), the header row repeated on the next page and a row split by the page
 * break, a last `Totaal` row. The rules below read such tables and reject, naming the field,
 * whatever they cannot read in exactly one way ("never guess").
 *
 * **Header.** The header is a run of up to four consecutive, closely spaced lines made only of
 * column words (`Academiejaar`, `Instelling`, `Opleiding`, `Aantal`, `Studiepunten`,
 * `teruggevraagd`, `teruggegeven`) that together name the five columns once each. Each of the
 * five key words starts a header cell; the other header words join the key word they overlap
 * horizontally most (`Studiepunten` above `teruggevraagd`).
 *
 * **Columns.** Neighbouring header cells split the page at the vertical cell border the PDF
 * draws between them when there is exactly one; else in the gap of the body's text that the
 * table's gaps clearly put there (`gapBounds`); else at the midpoint of the gap between them (of
 * their overlap, when wide words make them touch). The body's items are merged into horizontal
 * clusters (items whose extents overlap); a column is a whole cluster, never a header word's
 * left edge: a cluster belongs to the column whose part of the page holds its centre. A cluster
 * that also runs under a neighbouring header cell's text (a cell merged over two columns, or
 * cells that cannot be told apart) is rejected naming that neighbour's field.
 *
 * **Rows.** A row is anchored by its academic-year cell. In each column, lines spaced at the
 * table's line pitch form one cell; a cell belongs to the row whose year stands within its
 * vertical extent (top-, middle- or bottom-aligned alike). Cells at the top of a later page that
 * reach no year continue the previous page's last row (a row split by the page break); cells at
 * the foot of a page, below its last year, start the next page's first row (a middle- or
 * bottom-aligned row whose year went over the break). A cell
 * that reaches no year otherwise (a year merged over two rows), or that runs from one year into
 * the next (rows without padding) in a way that more than one of a top-, bottom- or centred
 * reading fits, is rejected.
 */
import { joinItems, type Cell, type Line } from './layout.js';
import { rejection } from './messages.js';
import { collapseSpaces, joinWrapped, normaliseText } from './text.js';
import type { CreditLine } from './types.js';

type LineField = keyof CreditLine;

/** The columns in their documented order. */
export const TABLE_COLUMNS: readonly LineField[] = [
  'academicYear',
  'institution',
  'programme',
  'requested',
  'returned',
];

const KEY_WORDS: Readonly<Record<LineField, RegExp>> = {
  academicYear: /^academiejaar$/,
  institution: /^(?:onderwijs)?instelling$/,
  programme: /^opleiding$/,
  requested: /^teruggevraagd$/,
  returned: /^teruggegeven$/,
};

/** Every word a header line may hold. */
const HEADER_WORD =
  /^(?:academiejaar|(?:onderwijs)?instelling|opleiding|aantal|studiepunten|teruggevraagd|teruggegeven|\(?sp\)?)$/;

const YEAR = /^\d{4}\s*[-–—/]\s*\d{4}$/;
const YEAR_HEAD = /^\d{4}\s*[-–—/]$/;

export interface HeaderCell {
  readonly field: LineField;
  readonly x: number;
  readonly xEnd: number;
}

export interface TableHeader {
  /** Index of the header's first line and of the line after it. */
  readonly start: number;
  readonly end: number;
  readonly cells: readonly HeaderCell[];
  /** Largest font size in the header (for tolerances). */
  readonly size: number;
}

function lower(text: string): string {
  return collapseSpaces(normaliseText(text)).toLocaleLowerCase('nl');
}

/**
 * The words of a line with their extents. A text item holding several words gets extents in
 * proportion to the characters (an estimate, good enough for header cells: the body decides the
 * columns).
 */
function wordsOf(line: Line): Cell[] {
  const out: Cell[] = [];
  for (const item of line.items ?? []) {
    const text = item.text;
    const re = /\S+/g;
    let m: RegExpExecArray | null;
    const perChar = (item.xEnd - item.x) / Math.max(1, text.length);
    while ((m = re.exec(text))) {
      // Header words a producer wrote as one run without a space (`AcademiejaarInstelling`).
      let at = m.index;
      for (const part of splitHeaderRun(m[0])) {
        out.push({
          x: item.x + at * perChar,
          xEnd: item.x + (at + part.length) * perChar,
          text: part,
          ...(item.size === undefined ? {} : { size: item.size }),
        });
        at += part.length;
      }
    }
  }
  return out;
}

/**
 * Whether `word` names the column `field`: the word itself, or a cut-off start of it (a header
 * word clipped by its narrow cell, `teruggegeve`) long enough to name no other column.
 */
function isKeyWord(field: LineField, word: string): boolean {
  if (KEY_WORDS[field].test(word)) return true;
  if (word.length < 8) return false;
  const full = KEY_NAMES[field];
  return full.startsWith(word) && TABLE_COLUMNS.every((f) => f === field || !KEY_NAMES[f].startsWith(word));
}

const KEY_NAMES: Readonly<Record<LineField, string>> = {
  academicYear: 'academiejaar',
  institution: 'instelling',
  programme: 'opleiding',
  requested: 'teruggevraagd',
  returned: 'teruggegeven',
};

/** The other header words, whose cut-off start (`Studiepunte`, clipped by its cell) still reads. */
const OTHER_HEADER_WORDS = ['studiepunten', 'onderwijsinstelling'];

function clippedHeaderWord(word: string): boolean {
  return word.length >= 8 && OTHER_HEADER_WORDS.some((w) => w.startsWith(word));
}

const HEADER_RUN =
  /academiejaar|onderwijsinstelling|instelling|opleiding|aantal|studiepunten|teruggevraagd|teruggegeven/gy;

/** A word that is nothing but header words run together, split into them; else the word itself. */
function splitHeaderRun(word: string): string[] {
  const l = word.toLocaleLowerCase('nl');
  if (l.length !== word.length) return [word];
  const parts: string[] = [];
  HEADER_RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = HEADER_RUN.exec(l))) {
    parts.push(word.slice(at, at + m[0].length));
    at += m[0].length;
  }
  return at === l.length && parts.length > 1 ? parts : [word];
}

function isHeaderLine(line: Line): boolean {
  if (!line.items || line.items.length === 0) return false;
  // Words from the items, not the line's text: narrow columns make header words touch.
  const words = line.items
    .flatMap((i) => lower(i.text).split(' '))
    .flatMap(splitHeaderRun)
    .filter((w) => w.length > 0);
  return (
    words.length > 0 &&
    words.every((w) => {
      const word = w.replace(/:$/, '');
      return (
        HEADER_WORD.test(word) || clippedHeaderWord(word) || TABLE_COLUMNS.some((f) => isKeyWord(f, word))
      );
    })
  );
}

function lineSize(line: Line): number {
  return line.size ?? 10;
}

/** Whether `b` follows `a` closely on the same page (baselines at most two line sizes apart). */
function close(a: Line, b: Line): boolean {
  if (a.page !== b.page || a.y === undefined || b.y === undefined) return false;
  return a.y - b.y > 0 && a.y - b.y <= 2 * Math.max(lineSize(a), lineSize(b));
}

/**
 * The table header starting at `lines[i]`, when there is one (positioned lines only). Returns
 * `undefined` for anything else, including a header whose columns are not in the documented
 * order (the caller then reads the lines as labels, which rejects them).
 */
export function findTableHeader(lines: readonly Line[], i: number): TableHeader | undefined {
  return findWordHeader(lines, i) ?? findStackedHeader(lines, i);
}

/** Every header word, for telling a piece of one (`Academ`, `iejaar`) from other text. */
const HEADER_TEXT =
  'academiejaar onderwijsinstelling opleiding aantal studiepunten teruggevraagd teruggegeven';

function headerPieces(line: Line): boolean {
  const words = (line.items ?? []).flatMap((i) => lower(i.text).split(' ')).filter((w) => w.length > 0);
  return words.length > 0 && words.every((w) => HEADER_TEXT.includes(w.replace(/:$/, '')));
}

/**
 * A header whose narrow cells break the header words anywhere (`Academ` / `iejaar`,
 * `Studiepunt` / `en` / `teruggevra` / `agd`: Word's table layout in LibreOffice): the pieces
 * stacked in one cell, joined without spaces, must be header words and nothing else, and each
 * column's key word must stand in exactly one cell. Anything less is no header (never a guess).
 */
function findStackedHeader(lines: readonly Line[], i: number): TableHeader | undefined {
  let last = i;
  while (
    last < lines.length &&
    last - i < 4 &&
    lines[last]!.y !== undefined &&
    headerPieces(lines[last]!) &&
    (last === i || close(lines[last - 1]!, lines[last]!))
  )
    last++;
  for (let end = last; end > i + 1; end--) {
    const stacks: { x: number; xEnd: number; text: string }[] = [];
    let ok = true;
    for (const line of lines.slice(i, end)) {
      for (const item of line.items ?? []) {
        const over = stacks.filter((s) => Math.min(s.xEnd, item.xEnd) - Math.max(s.x, item.x) > 0);
        if (over.length > 1) ok = false;
        const s = over[0];
        if (s) {
          s.text += item.text;
          s.x = Math.min(s.x, item.x);
          s.xEnd = Math.max(s.xEnd, item.xEnd);
        } else stacks.push({ x: item.x, xEnd: item.xEnd, text: item.text });
      }
    }
    if (!ok) continue;
    const words = stacks.map((s) => {
      const tight = lower(s.text).replace(/[\s:]/g, '');
      return HEADER_WORD.test(tight) ? [tight] : splitHeaderRun(tight);
    });
    if (!words.every((ws) => ws.every((w) => HEADER_WORD.test(w)))) continue;
    const cells: HeaderCell[] = [];
    for (const field of TABLE_COLUMNS) {
      const found = stacks.filter((_, n) => words[n]!.some((w) => KEY_WORDS[field].test(w)));
      if (found.length !== 1) break;
      cells.push({ field, x: found[0]!.x, xEnd: found[0]!.xEnd });
    }
    if (cells.length !== TABLE_COLUMNS.length) continue;
    const sorted = [...cells].sort((a, b) => a.x + a.xEnd - (b.x + b.xEnd));
    if (sorted.map((c) => c.field).join() !== TABLE_COLUMNS.join()) continue;
    return { start: i, end, cells: sorted, size: Math.max(...lines.slice(i, end).map(lineSize)) };
  }
  return undefined;
}

function findWordHeader(lines: readonly Line[], i: number): TableHeader | undefined {
  const first = lines[i];
  if (!first || !isHeaderLine(first) || first.y === undefined) return undefined;
  let end = i + 1;
  while (
    end < lines.length &&
    end - i < 4 &&
    isHeaderLine(lines[end]!) &&
    close(lines[end - 1]!, lines[end]!)
  )
    end++;
  const words = lines.slice(i, end).flatMap(wordsOf);
  const keys: { field: LineField; word: Cell }[] = [];
  for (const field of TABLE_COLUMNS) {
    const found = words.filter((w) => isKeyWord(field, lower(w.text)));
    if (found.length !== 1) return undefined;
    keys.push({ field, word: found[0]! });
  }
  const cells = keys.map((k) => ({ field: k.field, x: k.word.x, xEnd: k.word.xEnd }));
  for (const w of words) {
    if (keys.some((k) => k.word === w)) continue;
    let best = -1;
    let bestOverlap = 0;
    keys.forEach((k, n) => {
      const overlap = Math.min(w.xEnd, k.word.xEnd) - Math.max(w.x, k.word.x);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        best = n;
      }
    });
    if (best >= 0) {
      const c = cells[best]!;
      cells[best] = { ...c, x: Math.min(c.x, w.x), xEnd: Math.max(c.xEnd, w.xEnd) };
    }
  }
  const sorted = [...cells].sort((a, b) => a.x + a.xEnd - (b.x + b.xEnd));
  if (sorted.map((c) => c.field).join() !== TABLE_COLUMNS.join()) return undefined;
  const size = Math.max(...lines.slice(i, end).map(lineSize));
  return { start: i, end, cells: sorted, size };
}

export interface TableRowText {
  /** Cell text per column ('' for an empty cell). */
  readonly values: ReadonlyMap<LineField, string>;
}

export interface TableReading {
  readonly rows: readonly TableRowText[];
  /** The `Totaal` row's values, when the table has one. */
  readonly totals?: { readonly requested?: string; readonly returned?: string };
  /** Index of the first line after the table. */
  readonly next: number;
}

/** Vertical cell borders the PDF draws, per page (x positions), when the reader supplies them. */
export type VerticalRules = (page: number) => readonly { x: number; yTop: number; yBottom: number }[];

interface Placed {
  readonly item: Cell;
  readonly line: number; // index into body
}

function invalid(field: LineField | 'lines', en: string, nl: string, value?: string): never {
  throw rejection('INVALID_FIELD', field, { ...(value ? { value } : {}), rule: { nl, en } });
}

/**
 * Reads the table whose header is `header`, up to the first line for which `ends` holds, a
 * `Totaal` row, or a wide vertical gap. Header rows repeated on later pages are skipped.
 */
export function readTable(
  lines: readonly Line[],
  header: TableHeader,
  ends: (line: Line) => boolean,
  rules?: VerticalRules,
): TableReading {
  const size = header.size;
  const body: Line[] = [];
  let totalLine: Line | undefined;
  let i = header.end;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const repeated = findTableHeader(lines, i);
    if (repeated) {
      i = repeated.end - 1;
      continue;
    }
    if (ends(line) || !line.items || line.y === undefined) break;
    // No end by distance: rows far apart are still rows (a dropped row would be a wrong accept);
    // text after the table that is not a row is rejected below, never read as a row.
    if (/^totaal\b/.test(lower(line.items[0]?.text ?? ''))) {
      totalLine = line;
      i++;
      break;
    }
    body.push(line);
  }

  // Borders drawn beside the header's lines (a rule elsewhere on the page is not this table's).
  const headerTop = lines[header.start]!;
  const headerBottom = lines[header.end - 1]!;
  const bounds = columnBounds(
    header,
    (rules?.(headerTop.page) ?? []).filter(
      (r) => r.yTop >= (headerBottom.y ?? 0) && r.yBottom <= (headerTop.y ?? 0) + size,
    ),
    body.flatMap((l) => l.items ?? []),
  );
  const columnOfX = (x: number): number => {
    let k = 0;
    while (k < bounds.length && x > bounds[k]!) k++;
    return k;
  };

  // Clusters of body items: overlapping or touching extents (closer than a fifth of the font size,
  // less than a word space: the pieces of one word) merge.
  const placed: Placed[] = body.flatMap((l, n) => (l.items ?? []).map((item) => ({ item, line: n })));
  const byX = [...placed].sort((a, b) => a.item.x - b.item.x);
  const clusters: { x: number; xEnd: number; members: Placed[] }[] = [];
  for (const p of byX) {
    const last = clusters[clusters.length - 1];
    if (last && p.item.x < last.xEnd + 0.2 * size) {
      last.xEnd = Math.max(last.xEnd, p.item.xEnd);
      last.members.push(p);
    } else clusters.push({ x: p.item.x, xEnd: p.item.xEnd, members: [p] });
  }
  const tol = 0.6 * size;
  const column = new Map<Placed, number>();
  for (const c of clusters) {
    let k = columnOfX((c.x + c.xEnd) / 2);
    // The year column holds academic years and nothing else (the format's key): text without a
    // digit whose centre falls there under a right-aligned or centred header starts the next
    // column (left-aligned body cells of a wide column sit far left of that column's header).
    if (k === 0 && !c.members.some((m) => /\d/.test(m.item.text))) k = 1;
    const left = header.cells[k - 1];
    const right = header.cells[k + 1];
    // Runs under a neighbouring header cell's text: merged over two columns, or unreadable.
    if (right && c.xEnd > Math.max(right.x, bounds[k]!) + tol) {
      invalid(
        right.field,
        'a table cell spreads over two columns (merged cells); its column cannot be told',
        'een tabelcel loopt over twee kolommen (samengevoegde cellen); de kolom is niet eenduidig',
      );
    }
    if (left && c.x < Math.min(left.xEnd, bounds[k - 1]!) - tol) {
      invalid(
        header.cells[k]!.field,
        'a table cell spreads over two columns (merged cells); its column cannot be told',
        'een tabelcel loopt over twee kolommen (samengevoegde cellen); de kolom is niet eenduidig',
      );
    }
    for (const m of c.members) column.set(m, k);
  }

  // Per line and column: the text there.
  type Entry = { line: number; page: number; y: number; text: string };
  const entries: Entry[][] = TABLE_COLUMNS.map(() => []);
  body.forEach((l, n) => {
    const perColumn = new Map<number, Cell[]>();
    for (const p of placed.filter((q) => q.line === n)) {
      const k = column.get(p)!;
      perColumn.set(k, [...(perColumn.get(k) ?? []), p.item]);
    }
    for (const [k, items] of perColumn) {
      entries[k]!.push({ line: n, page: l.page, y: l.y!, text: joinItems(items) });
    }
  });

  // Anchors: the academic-year cells (a year wrapped after its dash is joined).
  type Anchor = { page: number; yTop: number; yBottom: number; text: string };
  const anchors: Anchor[] = [];
  const yearEntries = entries[0]!;
  for (let n = 0; n < yearEntries.length; n++) {
    const e = yearEntries[n]!;
    const t = lower(e.text);
    const next = yearEntries[n + 1];
    if (YEAR.test(t)) anchors.push({ page: e.page, yTop: e.y, yBottom: e.y, text: e.text });
    else if (YEAR_HEAD.test(t) && next && next.page === e.page && /^\d{4}$/.test(lower(next.text))) {
      anchors.push({ page: e.page, yTop: e.y, yBottom: next.y, text: `${e.text}${next.text}` });
      n++;
    } else {
      invalid(
        'academicYear',
        'a table row must start with the academic year',
        'een tabelrij moet met het academiejaar beginnen',
        e.text,
      );
    }
  }

  // The line pitch: the smallest baseline distance between lines of one column.
  let pitch = Infinity;
  for (const col of entries)
    for (let n = 1; n < col.length; n++) {
      const a = col[n - 1]!;
      const b = col[n]!;
      if (a.page === b.page && a.y - b.y > 0.5 * size) pitch = Math.min(pitch, a.y - b.y);
    }
  if (!Number.isFinite(pitch)) pitch = 1.2 * size;
  const eps = 0.35 * size;

  // Cells: runs of entries of one column at the line pitch.
  type Block = { column: number; page: number; entries: Entry[] };
  const blocks: Block[] = [];
  entries.forEach((col, k) => {
    if (k === 0) return;
    for (const e of col) {
      const b = blocks[blocks.length - 1];
      const last = b?.entries[b.entries.length - 1];
      // Lines of one cell follow at the line pitch; a wider step (row padding) starts another cell
      // even when no wrapped cell shows the pitch (every step measured is then a row's height).
      const step = last ? last.y - e.y : Infinity;
      if (
        b &&
        b.column === k &&
        last &&
        last.page === e.page &&
        step <= Math.min(pitch * 1.25 + 0.5, 1.6 * size)
      )
        b.entries.push(e);
      else blocks.push({ column: k, page: e.page, entries: [e] });
    }
  });

  const rows: string[][][] = anchors.map(() => TABLE_COLUMNS.map(() => []));
  anchors.forEach((a, r) => rows[r]![0]!.push(a.text));
  const anchorsIn = (b: Block): number[] => {
    const top = b.entries[0]!.y + eps;
    const bottom = b.entries[b.entries.length - 1]!.y - eps;
    // The year's lines (a year wrapped after its dash spans two) meet the block's lines.
    return anchors.flatMap((a, r) => (a.page === b.page && a.yBottom <= top && a.yTop >= bottom ? [r] : []));
  };
  const onAnchor = (e: Entry, r: number): boolean =>
    anchors[r]!.yTop + eps >= e.y && anchors[r]!.yBottom - eps <= e.y;

  // Cells that run from one year into the next: read top-aligned (lines below a year belong to
  // it) or bottom-aligned (lines above a year belong to it), whichever the table's cells allow.
  // A top-aligned row's first line, a bottom-aligned row's last line, stands on its year, in
  // every row the cell runs through; a centred row's lines are centred on its year (`middleSplit`).
  let topFits = true;
  let bottomFits = true;
  let middleFits = true;
  let between = false;
  const middle = new Map<Block, number[]>();
  for (const b of blocks) {
    const rs = anchorsIn(b);
    if (rs.length < 2) continue;
    const everyOn = rs.every((r) => b.entries.some((e) => onAnchor(e, r)));
    if (!onAnchor(b.entries[0]!, rs[0]!) || !everyOn) topFits = false;
    if (!onAnchor(b.entries[b.entries.length - 1]!, rs[rs.length - 1]!) || !everyOn) bottomFits = false;
    if (b.entries.some((e) => !rs.some((r) => onAnchor(e, r)))) between = true;
    const split = middleSplit(
      b.entries.map((e) => e.y),
      rs.map((r) => (anchors[r]!.yTop + anchors[r]!.yBottom) / 2),
      0.25 * size,
    );
    if (split) middle.set(b, split);
    else middleFits = false;
  }
  const readings = [topFits, bottomFits, middleFits].filter(Boolean).length;

  // Lines above the first year of a later page continue the row the page break split (top-aligned
  // rows) or belong to that year's own row (centred or bottom-aligned rows): told by how the
  // table's other cells sit, refused when nothing tells.
  const above = (b: Block, r: number): Entry[] => b.entries.filter((e) => e.y > anchors[r]!.yTop + eps);
  const pageTop = (b: Block, r: number): boolean =>
    r > 0 && anchors.findIndex((a) => a.page === b.page) === r && anchors[r - 1]!.page < b.page;
  const notTop =
    (bottomFits && !topFits) ||
    blocks.some((b) => {
      const rs = anchorsIn(b);
      return rs.length === 1 && !pageTop(b, rs[0]!) && above(b, rs[0]!).length > 0;
    });
  const top = topFits && !bottomFits && !notTop;

  for (const b of blocks) {
    const field = TABLE_COLUMNS[b.column]!;
    const rs = anchorsIn(b);
    if (rs.length === 1 && pageTop(b, rs[0]!) && above(b, rs[0]!).length > 0 && !notTop) {
      if (!top) {
        invalid(
          field,
          'a table cell at the top of a page cannot be told to continue the row the page break split or to belong to the next row',
          'een tabelcel bovenaan een pagina is niet toe te wijzen aan de rij die de paginagrens splitst of aan de volgende rij',
        );
      }
      const r = rs[0]!;
      const cont = above(b, r);
      rows[r - 1]![b.column]!.push(joinWrapped(cont.map((e) => e.text)));
      const own = b.entries.filter((e) => !cont.includes(e));
      if (own.length) rows[r]![b.column]!.push(joinWrapped(own.map((e) => e.text)));
    } else if (rs.length === 1) {
      rows[rs[0]!]![b.column]!.push(joinWrapped(b.entries.map((e) => e.text)));
    } else if (rs.length === 0) {
      // The top of a later page, before its first year: the previous page's last row goes on.
      const firstOnPage = anchors.findIndex((a) => a.page === b.page);
      const aboveFirst = firstOnPage < 0 || anchors[firstOnPage]!.yTop < b.entries[b.entries.length - 1]!.y;
      const previousRow = firstOnPage < 0 ? anchors.length - 1 : firstOnPage - 1;
      const pageBefore = previousRow >= 0 && anchors[previousRow]!.page < b.page;
      // The foot of a page, below its last year: a row whose year went to the next page
      // (a middle- or bottom-aligned row split by the page break) starts here.
      const nextRow = anchors.findIndex(
        (a) => a.page > b.page || (a.page === b.page && a.yTop < b.entries[b.entries.length - 1]!.y),
      );
      const belowLast = nextRow >= 0 && anchors[nextRow]!.page > b.page;
      if (aboveFirst && pageBefore) {
        rows[previousRow]![b.column]!.push(joinWrapped(b.entries.map((e) => e.text)));
      } else if (belowLast && !(aboveFirst && pageBefore)) {
        rows[nextRow]![b.column]!.unshift(joinWrapped(b.entries.map((e) => e.text)));
      } else {
        invalid(
          'academicYear',
          'a table cell stands in no row with an academic year (a year cell merged over two rows, or a row without its year)',
          'een tabelcel staat in geen rij met een academiejaar (een academiejaar samengevoegd over twee rijen, of een rij zonder academiejaar)',
          joinWrapped(b.entries.map((e) => e.text)),
        );
      }
    } else {
      // Cells that run from row to row (no padding between rows) are read only when exactly one
      // alignment explains every such cell of the table.
      if (between && readings !== 1) {
        invalid(
          field,
          'a wrapped table cell cannot be told apart from the next row',
          'een tabelcel over meerdere regels is niet te onderscheiden van de volgende rij',
        );
      }
      const parts: string[][] = rs.map(() => []);
      const split = between && middleFits ? middle.get(b) : undefined;
      for (const [i, e] of b.entries.entries()) {
        let n = split ? split[i]! : rs.findIndex((r) => onAnchor(e, r));
        if (n < 0) {
          if (topFits) n = rs.filter((r) => anchors[r]!.yBottom - eps > e.y).length - 1;
          else n = rs.length - rs.filter((r) => anchors[r]!.yTop + eps < e.y).length;
        }
        parts[Math.max(0, Math.min(rs.length - 1, n))]!.push(e.text);
      }
      rs.forEach((r, n) => {
        if (parts[n]!.length) rows[r]![b.column]!.push(joinWrapped(parts[n]!));
      });
    }
  }

  // A year, a number of credits: one line each. Two in one row mean rows share a year cell.
  for (const row of rows) {
    for (const k of [3, 4]) {
      if (row[k]!.length > 1) {
        invalid(
          'academicYear',
          'two rows share one academic-year cell (merged cells)',
          'twee rijen delen één cel academiejaar (samengevoegde cellen)',
        );
      }
    }
  }

  let totals: TableReading['totals'];
  if (totalLine) {
    const t: { requested?: string; returned?: string } = {};
    for (const item of totalLine.items ?? []) {
      const k = columnOfX((item.x + item.xEnd) / 2);
      if (k === 3) t.requested = collapseSpaces(`${t.requested ?? ''} ${item.text}`);
      if (k === 4) t.returned = collapseSpaces(`${t.returned ?? ''} ${item.text}`);
    }
    totals = t;
  }

  return {
    rows: rows.map((cells) => ({
      values: new Map(TABLE_COLUMNS.map((f, k) => [f, joinWrapped(cells[k]!)])),
    })),
    ...(totals ? { totals } : {}),
    next: i,
  };
}

/**
 * A cell's lines (baselines `ys`, top to bottom) that run through several rows, split as centred
 * rows: consecutive runs, one per row (centres `mids`, top to bottom), each centred on its row's
 * year within `tol`, no line step inside a run wider than one between runs. Returns the row (index
 * into `mids`) of each line, or `undefined` when no such split exists or more than one does.
 */
function middleSplit(ys: readonly number[], mids: readonly number[], tol: number): number[] | undefined {
  const out: number[] = [];
  let i = 0;
  for (const [r, mid] of mids.entries()) {
    const ends: number[] = [];
    for (let j = i; j < ys.length; j++) if (Math.abs((ys[i]! + ys[j]!) / 2 - mid) <= tol) ends.push(j);
    if (ends.length !== 1) return undefined;
    for (let j = i; j <= ends[0]!; j++) out.push(r);
    i = ends[0]! + 1;
  }
  if (i !== ys.length) return undefined;
  // Rows are at least as far apart as the lines of one cell: a wider step inside a run than
  // between runs splits the cell elsewhere (a top-aligned table whose rows only look centred).
  let inside = 0;
  let across = Infinity;
  for (let j = 1; j < ys.length; j++) {
    const step = ys[j - 1]! - ys[j]!;
    if (out[j] === out[j - 1]) inside = Math.max(inside, step);
    else across = Math.min(across, step);
  }
  return inside <= across + 0.5 ? out : undefined;
}

/**
 * Where one column ends and the next begins, between each pair of neighbouring header cells: the
 * one drawn vertical border between their centres; else the gap of the body's text that the
 * table's gaps put there (`gapBounds`); else the midpoint of the gap (or overlap) between the
 * header texts (a cluster running over it is then rejected by the caller: never a guess). A
 * midpoint that falls in a gap is not enough: it may be the wrong gap (a right-aligned header
 * over left-aligned numbers leaves the numbers' column empty).
 */
function columnBounds(
  header: TableHeader,
  rules: readonly { x: number }[],
  bodyItems: readonly Cell[],
): number[] {
  const out: number[] = [];
  const gutters = bodyGutters(bodyItems);
  const byGaps = gapBounds(header, gutters);
  for (let k = 0; k + 1 < header.cells.length; k++) {
    const a = header.cells[k]!;
    const b = header.cells[k + 1]!;
    // Each cell may draw its own edge: lines closer than two points are one border.
    const xs = rules
      .map((r) => r.x)
      .filter((x) => x > (a.x + a.xEnd) / 2 && x < (b.x + b.xEnd) / 2)
      .sort((p, q) => p - q);
    const borders = xs.filter((x, n) => n === 0 || x - xs[n - 1]! > 2);
    const mid = (a.xEnd + b.x) / 2;
    if (borders.length === 1) out.push((xs[0]! + xs[xs.length - 1]!) / 2);
    else out.push(byGaps ? byGaps[k]! : mid);
  }
  // Bounds from different sources that cross each other explain nothing: the midpoints then.
  if (out.some((x, k) => k > 0 && x <= out[k - 1]!)) {
    return header.cells.slice(1).map((b, k) => (header.cells[k]!.xEnd + b.x) / 2);
  }
  return out;
}

type Gap = { readonly x: number; readonly xEnd: number };

/**
 * The gaps between the body's text: x ranges that no body item covers on any line, between two
 * that some item covers. Cell text never crosses a column boundary, so every boundary lies in
 * one; inside a cell only word spaces that happen to line up on every line leave one.
 */
function bodyGutters(items: readonly Cell[]): Gap[] {
  const sorted = [...items].sort((p, q) => p.x - q.x);
  const out: Gap[] = [];
  let end = -Infinity;
  for (const item of sorted) {
    if (item.x > end && end > -Infinity) out.push({ x: end, xEnd: item.x });
    end = Math.max(end, item.xEnd);
  }
  return out;
}

/** More gaps than this (a one-row table of single words) are not searched. */
const MAX_GAPS = 40;

/**
 * Column boundaries read from the body's gaps (the space between two cells, not a word space
 * inside one): one gap per pair of neighbouring header cells, each lying between the two cells'
 * centres (a header's text stands in its own column, whatever its alignment), in order. Of all
 * such choices, the one whose narrowest gaps are widest, when it is clearly (twice) better than
 * every other at the first gap where they differ; `undefined` when no choice is, or none exists.
 * Each boundary is the middle of its gap's part between the two header centres.
 */
function gapBounds(header: TableHeader, gutters: readonly Gap[]): number[] | undefined {
  if (gutters.length > MAX_GAPS) return undefined;
  const centres = header.cells.map((c) => (c.x + c.xEnd) / 2);
  const n = centres.length - 1;
  const fits = (g: Gap, k: number) => g.xEnd > centres[k]! && g.x < centres[k + 1]!;
  const choices: number[][] = [];
  const walk = (k: number, from: number, chosen: number[]) => {
    if (k === n) {
      choices.push(chosen);
      return;
    }
    for (let i = from; i < gutters.length; i++) if (fits(gutters[i]!, k)) walk(k + 1, i + 1, [...chosen, i]);
  };
  walk(0, 0, []);
  if (choices.length === 0) return undefined;
  const widths = choices.map((c) => c.map((i) => gutters[i]!.xEnd - gutters[i]!.x).sort((p, q) => p - q));
  const better = (p: number[], q: number[]): number => {
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i]! - q[i]!;
    return 0;
  };
  let best = 0;
  for (let c = 1; c < choices.length; c++) if (better(widths[c]!, widths[best]!) > 0) best = c;
  const clearly = widths.every((w, c) => {
    if (c === best) return true;
    const i = w.findIndex((x, j) => x !== widths[best]![j]);
    return i >= 0 && widths[best]![i]! >= 2 * w[i]!;
  });
  if (!clearly) return undefined;
  return choices[best]!.map((i, k) => {
    const g = gutters[i]!;
    return (Math.max(g.x, centres[k]!) + Math.min(g.xEnd, centres[k + 1]!)) / 2;
  });
}
