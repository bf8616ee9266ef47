/**
 * The extract parser: from positioned PDF text to a validated `Extract`, or a rejection with
 * a reason code naming the field (see docs: extract-format).
 *
 * It relies on the labels and nothing else, accepts every variation of the format (label case,
 * missing colons, values on the next line, wrapped values, page headers and footers, fields in
 * any order, the labelled-block and the table form) and never guesses: text that admits more
 * than one reading is rejected.
 */
import { academicYearRule, parseAcademicYear } from './academic-year.js';
import { ExtractRejectedError } from './errors.js';
import { defaultRegister, type InstitutionRegister } from './institutions.js';
import { rejection } from './messages.js';
import { NATIONAL_NUMBER_PROBLEMS, checkNationalNumber, maskNationalNumber } from './national-number.js';
import { type Line, type PdfText } from './layout.js';
import { findTableHeader, readTable as readTableGeometry, type VerticalRules } from './table.js';
import { collapseSpaces, joinWrapped, normaliseText } from './text.js';
import type { CreditLine, Extract, ExtractField } from './types.js';
import { LIMITS } from './limits.js';

export interface ParseOptions {
  /** "Today", for the rule that a ruling date is not in the future. */
  readonly now?: Date;
  readonly register?: InstitutionRegister;
}

/** The identification fields (everything but the credit lines) and a credit line's fields. */
type IdField = Exclude<keyof Extract, 'lines'>;
type LineField = keyof CreditLine;
type TotalField = 'totalRequested' | 'totalReturned';
type AnyField = IdField | LineField | TotalField;

interface LabelDef {
  readonly field: AnyField;
  readonly pattern: RegExp;
  /** Whether a value may continue on the following lines. */
  readonly wraps: boolean;
}

// Longest labels first, so `Totaal studiepunten teruggevraagd` is not read as `Studiepunten teruggevraagd`.
// Each pattern matches at the start of a lower-cased line and must end at a word boundary.
const END = String.raw`(?=[\s:]|$)`;
const LABELS: readonly LabelDef[] = [
  {
    field: 'totalRequested',
    pattern: new RegExp(`^totaal\\s+studiepunten\\s+teruggevraagd${END}`),
    wraps: false,
  },
  {
    field: 'totalReturned',
    pattern: new RegExp(`^totaal\\s+studiepunten\\s+teruggegeven${END}`),
    wraps: false,
  },
  { field: 'requested', pattern: new RegExp(`^studiepunten\\s+teruggevraagd${END}`), wraps: false },
  { field: 'returned', pattern: new RegExp(`^studiepunten\\s+teruggegeven${END}`), wraps: false },
  { field: 'rulingDate', pattern: new RegExp(`^datum\\s+van\\s+het\\s+arrest${END}`), wraps: false },
  { field: 'rulingNumber', pattern: /^arrest\s*nr\.?(?=[\s:]|$|\d)/, wraps: false },
  { field: 'docket', pattern: new RegExp(`^rolnummer${END}`), wraps: false },
  { field: 'decision', pattern: new RegExp(`^beslissing${END}`), wraps: true },
  { field: 'givenNames', pattern: new RegExp(`^voorna(?:men|am)${END}`), wraps: true },
  { field: 'surname', pattern: new RegExp(`^naam${END}`), wraps: true },
  { field: 'address', pattern: new RegExp(`^adres${END}`), wraps: true },
  {
    field: 'nationalNumber',
    pattern: /^(?:rijksregisternummer|rijksregisternr\.?|insz(?:-nummer)?)(?=[\s:]|$|\d)/,
    wraps: false,
  },
  { field: 'academicYear', pattern: new RegExp(`^academiejaar${END}`), wraps: false },
  { field: 'institution', pattern: new RegExp(`^instelling${END}`), wraps: true },
  { field: 'programme', pattern: new RegExp(`^opleiding${END}`), wraps: true },
];

const LINE_FIELDS: ReadonlySet<AnyField> = new Set<AnyField>([
  'academicYear',
  'institution',
  'programme',
  'requested',
  'returned',
]);

/** Headings and closing formulas: they end a wrapped value and carry none. */
const TERMINATORS: readonly RegExp[] = [
  /^verzoekende\s+partij\b/,
  /^aanpassing\s+(?:van\s+het\s+)?leerkrediet\b/,
  /^voor\s+eensluidend\b/,
  /^uittreksel\s+uit\s+het\s+arrest\b/,
  /^raad\s+voor\s+betwistingen\b/,
  /^mededeling\s+aan\s+ahovoks\b/,
  /^de\s+griffier\b/,
];

/** Page furniture recognised wherever it stands. */
const FURNITURE: readonly RegExp[] = [
  /^(?:pagina|page|blz\.?|p\.)\s*\d{1,2}\s*(?:(?:van|of|\/)\s*\d{1,2})?$/,
  // `1 / 2`, `- 1 van 2 -` (small numbers only: `2009/2010` is an academic year)
  /^-*\s*\d{1,2}\s*(?:\/|van|of)\s*\d{1,2}\s*-*$/,
  /^arrest\s*nr\.?\s*:?\s*[\d.]+\s*[-–—]\s*uittreksel$/,
];

const MONTHS: Record<string, number> = {
  januari: 1,
  jan: 1,
  februari: 2,
  feb: 2,
  febr: 2,
  maart: 3,
  mrt: 3,
  maa: 3,
  april: 4,
  apr: 4,
  mei: 5,
  juni: 6,
  jun: 6,
  juli: 7,
  jul: 7,
  augustus: 8,
  aug: 8,
  september: 9,
  sep: 9,
  sept: 9,
  oktober: 10,
  okt: 10,
  november: 11,
  nov: 11,
  december: 12,
  dec: 12,
};

const DATE_ONLY = new RegExp(
  String.raw`^(?:[\p{L} '-]+,\s*)?(?:\d{1,2}\s+(?:${Object.keys(MONTHS).join('|')})\.?\s+\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2})$`,
  'u',
);

interface RawValue {
  readonly parts: string[];
  readonly wraps: boolean;
}

interface RawLine {
  readonly values: Map<LineField, RawValue>;
  readonly index: number;
  /** Read from a table: every column is there, so an empty cell is an invalid value, not a missing label. */
  readonly table?: boolean;
}

interface RawExtract {
  /** Every occurrence of each identification field or total, in document order. */
  readonly id: Map<IdField | TotalField, RawValue[]>;
  readonly lines: RawLine[];
  /** Ruling numbers named by page headers and footers (digits only). */
  readonly furnitureRulings?: readonly string[];
}

function lower(text: string): string {
  return collapseSpaces(normaliseText(text)).toLocaleLowerCase('nl');
}

function matchLabel(line: string): { def: LabelDef; rest: string } | undefined {
  const l = lower(line);
  for (const def of LABELS) {
    const m = def.pattern.exec(l);
    if (m) {
      // Cut the label off the original (case-preserving) text: same length after normalisation.
      const original = collapseSpaces(normaliseText(line));
      const rest = original
        .slice(m[0].length)
        .replace(/^\s*:\s*/, '')
        .trim();
      return { def, rest };
    }
  }
  return undefined;
}

function isTerminator(line: string): boolean {
  const l = lower(line);
  return TERMINATORS.some((t) => t.test(l));
}

function isFurniture(line: string): boolean {
  const l = lower(line);
  return l.length === 0 || FURNITURE.some((t) => t.test(l));
}

/**
 * What makes two header/footer lines "the same" across pages: the text with page-number-sized
 * numbers (1–2 digits) blanked. Longer numbers (years, credits ≥ 100, ruling numbers) must match,
 * so table rows that merely look alike (`2013/2014 HOGESCHOOL … 29 3` and `2011/2012 hogeschool
 * … 173 0`) are never taken for furniture.
 */
function furnitureKey(line: Line): string {
  return lower(line.text).replace(/(?<!\d)\d{1,2}(?!\d)/g, '#');
}

/**
 * Running-header items that make a line page furniture wherever it stands: a page number, the
 * running title `Arrest nr. 9.412 – uittreksel`. A line with such an item is furniture as a whole
 * (its other items are the date, the registry's name or address: never fields).
 */
const FURNITURE_ITEM: readonly RegExp[] = [
  /^(?:pagina|page|blz\.?|p\.)\s*\d{1,2}\s*(?:(?:van|of|\/)\s*\d{1,2})?$/,
  /^arrest\s*nr\.?\s*:?\s*[\d.]+\s*[-–—]\s*uittreksel$/,
];

function hasFurnitureItem(line: Line): boolean {
  if (line.cells.length < 2) return false;
  return line.cells.some((c) => FURNITURE_ITEM.some((re) => re.test(lower(c.text))));
}

/** Ruling numbers a furniture line names (`Arrest nr. 9.412 – uittreksel`). */
function rulingNumbersIn(line: Line): string[] {
  return [...lower(line.text).matchAll(/arrest\s*nr\.?\s*:?\s*(\d[\d.]*\d|\d)/g)].map((m) =>
    m[1]!.replace(/\./g, ''),
  );
}

export interface PageBody {
  readonly lines: Line[];
  /** The ruling numbers the page headers and footers name: each must be the body's. */
  readonly furnitureRulings: string[];
}

/**
 * Removes page headers and footers: explicit patterns anywhere (page numbers, the `Arrest nr. …
 * - uittreksel` header, a running line with one of those among other items), and — in a
 * document of two or more pages — the block of lines that stands at the very top or the very
 * bottom of *every* page, line for line (the i-th line from the top, or from the bottom, alike
 * on all pages; numbers of 1–2 digits may differ). A header or footer is such a block; content
 * that merely repeats somewhere near a page edge (a programme wrapped the same way in two table
 * rows) is not at the same position on every page, or not in an unbroken block from the edge,
 * and stays. Labelled lines and table rows always stay. Furniture is compared, not dropped: the
 * ruling numbers it names are returned, for the rule that they equal the body's.
 */
export function splitPageFurniture(pages: readonly (readonly Line[])[]): PageBody {
  const zone = 3;
  const keep = (l: Line) => (Boolean(matchLabel(l.text)) && !hasFurnitureItem(l)) || YEAR_START.test(l.text);
  const edgeBlock = (lineAt: (page: readonly Line[], i: number) => Line | undefined): number => {
    if (pages.length < 2) return 0;
    let k = 0;
    for (; k < zone; k++) {
      const first = pages[0] && lineAt(pages[0], k);
      if (!first || keep(first) || !/\p{L}{3}/u.test(first.text)) break;
      const key = furnitureKey(first);
      if (
        !pages.every((p) => {
          const l = lineAt(p, k);
          return l !== undefined && !keep(l) && furnitureKey(l) === key;
        })
      )
        break;
    }
    return k;
  };
  const top = edgeBlock((p, i) => p[i]);
  const bottom = edgeBlock((p, i) => p[p.length - 1 - i]);
  const out: Line[] = [];
  const furnitureRulings: string[] = [];
  const drop = (line: Line): void => {
    furnitureRulings.push(...rulingNumbersIn(line));
  };
  for (const page of pages) {
    page.forEach((line, i) => {
      if (i < top || i >= page.length - bottom || isFurniture(line.text) || hasFurnitureItem(line)) {
        drop(line);
        return;
      }
      // A bare page number as the first or last line of its page — unless a label just above it
      // waits for its value (`Studiepunten teruggegeven:` / `1` at the foot of page 1).
      const awaitedValue = i > 0 && matchLabel(page[i - 1]!.text)?.rest === '';
      if ((i === 0 || i === page.length - 1) && lower(line.text) === String(line.page) && !awaitedValue)
        return;
      out.push(line);
    });
  }
  return { lines: out, furnitureRulings };
}

/** The body lines without page headers and footers (see `splitPageFurniture`). */
export function stripPageFurniture(pages: readonly (readonly Line[])[]): Line[] {
  return splitPageFurniture(pages).lines;
}

const TABLE_HEADERS: readonly { field: LineField; word: RegExp }[] = [
  { field: 'academicYear', word: /academiejaar/ },
  { field: 'institution', word: /instelling/ },
  { field: 'programme', word: /opleiding/ },
  { field: 'requested', word: /teruggevraagd/ },
  { field: 'returned', word: /teruggegeven/ },
];

function isTableHeader(line: Line): boolean {
  const l = lower(line.text);
  return TABLE_HEADERS.every((h) => h.word.test(l)) && !/^totaal/.test(l);
}

const YEAR_START = /^\d{4}\s*[-–—/]\s*\d{4}\b/;

function newRawLine(lines: RawLine[], table = false): RawLine {
  const raw: RawLine = { values: new Map(), index: lines.length + 1, ...(table ? { table } : {}) };
  lines.push(raw);
  return raw;
}

function setLineValue(raw: RawLine, field: LineField, value: string, wraps: boolean): RawValue {
  if (raw.values.has(field)) {
    throw rejection('INVALID_FIELD', field, {
      line: raw.index,
      rule: {
        nl: 'het label staat twee keer in dezelfde kredietlijn',
        en: 'the label appears twice in one credit line',
      },
    });
  }
  const v: RawValue = { parts: value ? [value] : [], wraps };
  raw.values.set(field, v);
  return v;
}

/**
 * Reads table rows from text alone (lines without positions; header already seen) from
 * `lines[start]` on; returns the index of the first line after the table. Positioned tables are
 * read from their geometry (table.ts).
 */
function readTable(
  lines: readonly Line[],
  start: number,
  raw: RawExtract,
  register: InstitutionRegister,
): number {
  let row: RawLine | undefined;
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (matchLabel(line.text) || isTerminator(line.text)) break;
    if (isTableHeader(line)) continue; // repeated on the next page
    row = readTableRowFromText(line, raw, row, register);
  }
  return i;
}

/**
 * A table row from text alone (no usable positions): `year institution programme n n`, where the
 * institution is the longest register name the text after the year starts with.
 */
function readTableRowFromText(
  line: Line,
  raw: RawExtract,
  row: RawLine | undefined,
  register: InstitutionRegister,
): RawLine | undefined {
  const text = collapseSpaces(normaliseText(line.text));
  const m = /^(\d{4}\s*[-–—/]\s*\d{4})\s+(.+?)\s+(\d+)\s+(\d+)$/.exec(text);
  if (!m) {
    if (YEAR_START.test(text) || !row) {
      throw rejection('INVALID_FIELD', 'lines', {
        value: text,
        rule: {
          nl: 'een tabelrij bevat academiejaar, instelling, opleiding en twee aantallen studiepunten',
          en: 'a table row holds academic year, institution, programme and two credit counts',
        },
      });
    }
    // A wrapped cell without positions: we cannot tell which column it continues.
    throw rejection('INVALID_FIELD', 'lines', {
      value: text,
      rule: {
        nl: 'een tabelcel loopt over meerdere regels zonder leesbare kolommen',
        en: 'a table cell wraps without readable columns',
      },
    });
  }
  const middle = m[2]!;
  const words = middle.split(' ');
  let institution: string | undefined;
  let programme = '';
  for (let n = words.length - 1; n >= 1; n--) {
    const candidate = words.slice(0, n).join(' ');
    if (register.match(candidate)) {
      institution = candidate;
      programme = words.slice(n).join(' ');
      break;
    }
  }
  const next = newRawLine(raw.lines);
  setLineValue(next, 'academicYear', m[1]!, false);
  setLineValue(next, 'institution', institution ?? middle, false);
  setLineValue(next, 'programme', programme, false);
  setLineValue(next, 'requested', m[3]!, false);
  setLineValue(next, 'returned', m[4]!, false);
  return next;
}

/** A label with its colon inside a value (found by the reliability fuzz: "…informaticaOpleiding: …"). */
const EMBEDDED_LABEL =
  /(?:arrest\s*nr\.?|rolnummer|datum\s+van\s+het\s+arrest|beslissing|naam|voorna(?:men|am)|adres|rijksregisternummer|rijksregisternr\.?|insz|academiejaar|instelling|opleiding|studiepunten\s+terugge(?:vraagd|geven))\s*:/;

/**
 * The body's leading: the most common ratio of the baseline distance between neighbouring lines
 * of one font size to that size (positioned lines only). A ratio, not a distance: a table printed
 * smaller than the text has its own, smaller pitch.
 */
function linePitch(lines: readonly Line[]): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < lines.length; i++) {
    const a = lines[i - 1]!;
    const b = lines[i]!;
    if (a.page !== b.page || a.y === undefined || b.y === undefined) continue;
    if (!a.size || !b.size || Math.abs(a.size - b.size) > 0.5) continue;
    const ratio = Math.round(((a.y - b.y) / b.size) * 20) / 20;
    if (ratio > 0.5) counts.set(ratio, (counts.get(ratio) ?? 0) + 1);
  }
  let best: number | undefined;
  for (const [ratio, n] of counts)
    if (best === undefined || n > counts.get(best)! || (n === counts.get(best)! && ratio < best))
      best = ratio;
  return best;
}

/** Whether `line` stands at most a line pitch (with some slack) below `prev` on its page. */
function atPitch(prev: Line | undefined, line: Line, leading: number | undefined): boolean {
  if (!prev || leading === undefined || prev.y === undefined || line.y === undefined) return true;
  if (prev.page !== line.page) return true; // a value split by a page break goes on
  const size = Math.max(prev.size ?? 10, line.size ?? 10);
  return prev.y - line.y <= leading * size * 1.3 + 0.5;
}

/**
 * A label is a label by its place in the layout, not by its word alone. A line that begins with
 * a label word is read as the continuation of a paragraph — not as that label — when all of
 * these hold: no colon follows the word; the line above was read as prose outside any field (not
 * a label line, not a heading, and no value is being read), is a sentence's line (five words or
 * more) and is full (at least 70% as wide as the wider of the two lines: the paragraph wrapped
 * there); and the line stands at the line pitch below it with the same left edge (`… in de loop van het` / `academiejaar door
 * overmacht …`). Lines without positions keep the word reading.
 */
function proseContinues(
  prev: Line | undefined,
  prevWasProse: boolean,
  line: Line,
  pitch: number | undefined,
): boolean {
  if (!prev || !prevWasProse || pitch === undefined || prev.y === undefined || line.y === undefined)
    return false;
  const width = (l: Line): number => (l.cells[l.cells.length - 1]?.xEnd ?? 0) - (l.cells[0]?.x ?? 0);
  if (width(prev) < 0.7 * Math.max(width(prev), width(line))) return false;
  if (lower(prev.text).split(' ').length < 5) return false;
  if (prev.page !== line.page || !atPitch(prev, line, pitch)) return false;
  const label = matchLabel(line.text);
  if (!label) return false;
  const l = lower(line.text);
  const m = label.def.pattern.exec(l);
  if (!m || /^\s*:/.test(l.slice(m[0].length))) return false;
  return Math.abs((prev.cells[0]?.x ?? 0) - (line.cells[0]?.x ?? 0)) <= 1.5;
}

/**
 * A label wrapped over two lines in a narrow label column (`Studiepunten` / `teruggevraagd: 40`,
 * `Totaal studiepunten` / `teruggegeven: 27`): the two lines are one labelled line when the first
 * holds nothing but the start of a label that the second completes.
 */
function joinWrappedLabels(lines: readonly Line[]): Line[] {
  const out: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    const a = lines[i]!;
    const b = lines[i + 1];
    if (b && a.page === b.page && a.cells.length === 1 && !matchLabel(a.text) && !isTerminator(a.text)) {
      const joined = `${a.text} ${b.text}`;
      const label = matchLabel(joined);
      const m = label?.def.pattern.exec(lower(joined));
      if (m && m[0].length > lower(a.text).length + 1) {
        out.push({
          ...b,
          text: joined,
          cells: [...a.cells, ...b.cells],
          ...(a.items || b.items ? { items: [...(a.items ?? []), ...(b.items ?? [])] } : {}),
        });
        i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

/** First pass: labels and their raw values, in document order. */
export function collectFields(
  input: readonly Line[],
  register: InstitutionRegister = defaultRegister,
  rules?: VerticalRules,
): RawExtract {
  const lines = joinWrappedLabels(input);
  const pitch = linePitch(lines);
  const pageRight = new Map<number, { left: number; right: number }>();
  for (const l of lines) {
    const p = pageRight.get(l.page) ?? { left: Infinity, right: -Infinity };
    for (const c of l.cells)
      pageRight.set(l.page, { left: Math.min(p.left, c.x), right: Math.max(p.right, c.xEnd) });
  }
  let prose = false; // the previous line was read as text outside any field
  const raw: RawExtract = { id: new Map(), lines: [] };
  let current: RawValue | undefined;
  let awaiting = false;
  let currentLine: RawLine | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = line.items ? findTableHeader(lines, i) : undefined;
    if (header) {
      current = undefined;
      awaiting = false;
      currentLine = undefined;
      const table = readTableGeometry(
        lines,
        header,
        (l) => Boolean(matchLabel(l.text)) || isTerminator(l.text),
        rules,
      );
      for (const row of table.rows) {
        const rawLine = newRawLine(raw.lines, true);
        for (const [field, value] of row.values) setLineValue(rawLine, field, value, false);
      }
      for (const [field, value] of [
        ['totalRequested', table.totals?.requested],
        ['totalReturned', table.totals?.returned],
      ] as const) {
        if (value !== undefined)
          raw.id.set(field, [...(raw.id.get(field) ?? []), { parts: [value], wraps: false }]);
      }
      i = table.next - 1;
      continue;
    }
    if (isTableHeader(line)) {
      current = undefined;
      awaiting = false;
      i = readTable(lines, i + 1, raw, register) - 1;
      currentLine = undefined;
      continue;
    }
    const continuesProse = !current && proseContinues(lines[i - 1], prose, line, pitch);
    prose = false;
    const label = continuesProse ? undefined : matchLabel(line.text);
    if (label) {
      const { def, rest } = label;
      const field = def.field;
      // Two labels on one visual line (a second column, or a damaged file drawing a copy of a
      // line over another): which text belongs to which field cannot be told.
      if (EMBEDDED_LABEL.test(lower(rest))) {
        throw rejection('INVALID_FIELD', field, {
          rule: {
            nl: 'op dezelfde regel staat nog een label; de waarde is niet eenduidig',
            en: 'another label stands on the same line, so the value is ambiguous',
          },
        });
      }
      if (field === 'academicYear') currentLine = newRawLine(raw.lines);
      if (LINE_FIELDS.has(field)) {
        if (!currentLine) {
          throw rejection('MISSING_FIELD', 'academicYear', {
            line: raw.lines.length + 1,
            rule: {
              nl: 'elke kredietlijn begint met «Academiejaar»',
              en: 'every credit line starts with "Academiejaar"',
            },
          });
        }
        current = setLineValue(currentLine, field as LineField, rest, def.wraps);
      } else {
        const idField = field as IdField | TotalField;
        current = { parts: rest ? [rest] : [], wraps: def.wraps };
        raw.id.set(idField, [...(raw.id.get(idField) ?? []), current]);
      }
      awaiting = rest.length === 0;
      continue;
    }
    if (isTerminator(line.text)) {
      current = undefined;
      awaiting = false;
      continue;
    }
    // A label further along a line that is not a label line: a field is there that cannot be
    // read (a damaged file left "OAcademiejaar: 2023-2024Academiejaar: 2023-20" of a credit line).
    const embedded = EMBEDDED_LABEL.exec(lower(line.text));
    if (embedded) {
      throw rejection('INVALID_FIELD', matchLabel(embedded[0])?.def.field ?? 'lines', {
        rule: {
          nl: 'een label staat niet aan het begin van een regel; de waarde is niet eenduidig',
          en: 'a label does not start its line, so its value is ambiguous',
        },
      });
    }
    if (!current) {
      prose = true; // title lines and other text outside the fields
      continue;
    }
    const text = collapseSpaces(normaliseText(line.text));
    if (!awaiting && !atPitch(lines[i - 1], line, pitch)) {
      // A paragraph's distance below the value: the value has ended (a heading, a recital).
      current = undefined;
      continue;
    }
    if (awaiting) {
      current.parts.push(text);
      awaiting = false;
    } else if (current.wraps && !DATE_ONLY.test(text)) {
      current.parts.push(text);
    } else {
      // Text after a value that cannot wrap (or a dated footer line): not part of any field.
      current = undefined;
    }
  }
  return raw;
}

function occurrences(raw: RawExtract, field: IdField | TotalField): string[] {
  return (raw.id.get(field) ?? []).map((v) => joinWrapped(v.parts));
}

// ---------------------------------------------------------------------------------------------
// Second pass: rules and normalisation.

function single(raw: RawExtract, field: IdField, rule: { nl: string; en: string }): string {
  const values = occurrences(raw, field).filter((v) => v.length > 0);
  if (values.length === 0) throw rejection('MISSING_FIELD', field, { rule });
  const distinct = new Set(values.map((v) => lower(v)));
  if (distinct.size > 1) {
    throw rejection('INVALID_FIELD', field, {
      rule: {
        nl: 'het veld staat meer dan eens op het uittreksel met verschillende waarden',
        en: 'the field appears more than once with different values',
      },
    });
  }
  return values[0]!;
}

function brusselsToday(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(now);
}

function isoDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return date.toISOString().slice(0, 10);
}

const DATE_RULE = {
  nl: 'een datum zoals 12 maart 2024, 12/03/2024 of 2024-03-12, niet in de toekomst en niet vóór 1 september 2008',
  en: 'a date such as 12 maart 2024, 12/03/2024 or 2024-03-12, not in the future and not before 1 September 2008',
};

export function parseRulingDate(text: string, now: Date): string {
  const t = lower(text);
  let iso: string | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,2})\s+(\p{L}+)\.?\s+(\d{4})$/u.exec(t))) {
    const month = MONTHS[m[2]!];
    if (month) iso = isoDate(Number(m[3]), month, Number(m[1]));
  } else if ((m = /^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})$/.exec(t))) {
    iso = isoDate(Number(m[4]), Number(m[3]), Number(m[1]));
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
    iso = isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  if (!iso || iso < '2008-09-01' || iso > brusselsToday(now)) {
    throw rejection('INVALID_FIELD', 'rulingDate', { value: text, rule: DATE_RULE });
  }
  return iso;
}

const NAME = /^[\p{L}\p{M}](?:[\p{L}\p{M}'’. -]*[\p{L}\p{M}.])?$/u;

function name(field: 'surname' | 'givenNames', value: string): string {
  const v = value.normalize('NFC');
  if (!NAME.test(v) || /[-'’]{2,}/.test(v)) {
    throw rejection('INVALID_FIELD', field, {
      rule: {
        nl: 'letters (elk schrift), spaties, koppeltekens en apostrofs',
        en: 'letters of any script, spaces, hyphens and apostrophes',
      },
    });
  }
  return v;
}

function decision(value: string): string {
  const l = lower(value);
  const granted = /\bingewilligd\b/.test(l) && !/\bniet\s+ingewilligd\b/.test(l);
  const partly = /\bgedeeltelijk\s+ingewilligd\b/.test(l);
  const refused = /\b(?:verworpen|onontvankelijk|zonder\s+voorwerp|afgewezen)\b/.test(l);
  if (granted && (!refused || partly)) return value;
  if (granted && refused) {
    throw rejection('INVALID_FIELD', 'decision', {
      value,
      rule: {
        nl: 'de beslissing moet ondubbelzinnig zeggen dat het beroep (gedeeltelijk) ingewilligd wordt',
        en: 'the decision must say unambiguously that the appeal is (partly) granted',
      },
    });
  }
  throw rejection('NOT_GRANTED', 'decision', { value });
}

function wholeNumber(field: LineField | TotalField, value: string, line?: number): number {
  const m = /^(\d{1,4})(?:\s*(?:sp|studiepunten))?$/i.exec(collapseSpaces(value));
  if (!m) {
    throw rejection(value ? 'INVALID_FIELD' : 'MISSING_FIELD', field, {
      line,
      value: value || undefined,
      rule: { nl: 'een geheel getal', en: 'a whole number' },
    });
  }
  return Number(m[1]);
}

function academicYear(value: string, line: number, now: Date): string {
  const year = parseAcademicYear(collapseSpaces(value), now);
  if (!year) {
    throw rejection(value ? 'INVALID_FIELD' : 'MISSING_FIELD', 'academicYear', {
      line,
      value: value || undefined,
      rule: academicYearRule(now),
    });
  }
  return year;
}

function creditLine(
  raw: RawLine,
  now: Date,
  register: InstitutionRegister,
  failures: ExtractRejectedError[],
): CreditLine | undefined {
  const text = (f: LineField): string => joinWrapped(raw.values.get(f)?.parts ?? []);
  const n = raw.index;
  const attempt = attempter(failures);
  if (raw.table) {
    // Every column of a table is there: an empty cell is an invalid value (often a cell merged
    // with its neighbour), not a missing label.
    for (const [field, value] of raw.values) {
      if (value.parts.join('').trim() === '') {
        throw rejection('INVALID_FIELD', field, {
          line: n,
          rule: {
            nl: 'de tabelcel is leeg (of samengevoegd met een andere cel)',
            en: 'the table cell is empty (or merged with another cell)',
          },
        });
      }
    }
  }
  const year = attempt(() => academicYear(text('academicYear'), n, now));
  const institution = attempt(() => {
    const instText = text('institution');
    if (!instText) throw rejection('MISSING_FIELD', 'institution', { line: n });
    const found = register.match(instText);
    if (!found) throw rejection('UNKNOWN_INSTITUTION', 'institution', { line: n, value: instText });
    return found;
  });
  const programme = attempt(() => {
    const value = text('programme');
    if (!value) throw rejection('MISSING_FIELD', 'programme', { line: n });
    return value;
  });
  const credits = attempt(() => {
    if (!raw.values.has('requested')) throw rejection('MISSING_FIELD', 'requested', { line: n });
    if (!raw.values.has('returned')) throw rejection('MISSING_FIELD', 'returned', { line: n });
    const requested = wholeNumber('requested', text('requested'), n);
    const returned = wholeNumber('returned', text('returned'), n);
    checkCredits(requested, returned, n);
    return { requested, returned };
  });
  if (!year || !institution || programme === undefined || !credits) return undefined;
  return { academicYear: year, institution: institution.code, programme, ...credits };
}

function checkCredits(requested: number, returned: number, n: number): void {
  if (requested < 1 || requested > 180) {
    throw rejection('INVALID_FIELD', 'requested', {
      line: n,
      value: String(requested),
      rule: { nl: 'een geheel getal van 1 tot 180', en: 'a whole number from 1 to 180' },
    });
  }
  if (returned > requested) {
    throw rejection('INVALID_FIELD', 'returned', {
      line: n,
      value: String(returned),
      rule: {
        nl: `een geheel getal van 0 tot het aantal teruggevraagde studiepunten (${requested})`,
        en: `a whole number from 0 to the credits requested (${requested})`,
      },
    });
  }
}

/**
 * When several rules fail, the reason reported is the one a clerk must fix, not a symptom of it.
 * The order (lowest first):
 *  0. NOT_GRANTED — the ruling grants nothing: nothing is to be applied, whatever else is wrong.
 *  1. A value read cleanly that breaks a rule of the ruling's content: returned > requested or
 *     credits out of range, totals that do not add up, an institution not in the register, a
 *     national register number with bad check digits.
 *  2. A value that does not have its field's form (a year, a date, a docket, a name): it may be
 *     a misreading of the layout, so it yields to a clean value's rule above.
 *  3. A missing field.
 * Within a rank, the first failure in document order.
 */
function reasonRank(e: ExtractRejectedError): number {
  if (e.code === 'NOT_GRANTED') return 0;
  if (e.code === 'MISSING_FIELD') return 3;
  if (
    e.code === 'TOTALS_MISMATCH' ||
    e.code === 'UNKNOWN_INSTITUTION' ||
    e.code === 'INVALID_RRN' ||
    (e.code === 'INVALID_FIELD' && (e.field === 'requested' || e.field === 'returned'))
  )
    return 1;
  return 2;
}

/** Runs a check, keeping its rejection in `failures` instead of throwing. */
function attempter(failures: ExtractRejectedError[]) {
  return <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ExtractRejectedError)) throw error;
      failures.push(error);
      return undefined;
    }
  };
}

/** Validates and normalises the raw fields into an `Extract`. */
export function interpret(raw: RawExtract, options: ParseOptions = {}): Extract {
  const now = options.now ?? new Date();
  const register = options.register ?? defaultRegister;

  const rulingText = single(raw, 'rulingNumber', { nl: 'cijfers, bv. 9.412', en: 'digits, e.g. 9.412' });
  if (!/^(?:\d{1,3}(?:\.\d{3})+|\d{1,9})$/.test(rulingText)) {
    throw rejection('INVALID_FIELD', 'rulingNumber', {
      value: rulingText,
      rule: {
        nl: 'cijfers met eventueel een punt als duizendtalscheiding, bv. 9.412',
        en: 'digits with an optional thousands dot, e.g. 9.412',
      },
    });
  }
  // A page header or footer that names a ruling names this one: another number means pages of
  // two extracts, or a template not updated — never silently dropped.
  const rulingDigits = rulingText.replace(/\./g, '');
  const otherRuling = (raw.furnitureRulings ?? []).find((r) => r !== rulingDigits);
  if (otherRuling !== undefined) {
    throw rejection('INVALID_FIELD', 'rulingNumber', {
      value: otherRuling,
      rule: {
        nl: 'de kop- of voettekst van een pagina noemt een ander arrestnummer dan het uittreksel',
        en: 'a page header or footer names another ruling number than the extract',
      },
    });
  }
  // The other fields are all checked; the reason reported is chosen by `reasonRank`.
  const failures: ExtractRejectedError[] = [];
  const attempt = attempter(failures);
  const docketText = attempt(() => docketOf(raw));
  const rulingDate = attempt(() => parseRulingDate(single(raw, 'rulingDate', DATE_RULE), now));
  const decisionText = attempt(() =>
    decision(single(raw, 'decision', { nl: 'het beroep wordt ingewilligd', en: 'the appeal is granted' })),
  );
  const surname = attempt(() =>
    name('surname', single(raw, 'surname', { nl: 'de familienaam', en: 'the surname' })),
  );
  const givenNames = attempt(() =>
    name(
      'givenNames',
      single(raw, 'givenNames', { nl: 'een of meer voornamen', en: 'one or more given names' }),
    ),
  );
  const address = attempt(() =>
    single(raw, 'address', { nl: 'het adres van de verzoekende partij', en: "the applicant's address" }),
  );
  const nationalNumber = attempt(() => nationalNumberOf(raw));
  const lines = attempt(() => creditLines(raw, now, register, failures));
  if (lines) attempt(() => checkTotals(raw, lines));
  if (failures.length > 0) {
    throw failures.reduce((best, e) => (reasonRank(e) < reasonRank(best) ? e : best));
  }
  return {
    rulingNumber: rulingDigits,
    docket: docketText!,
    rulingDate: rulingDate!,
    decision: decisionText!,
    surname: surname!,
    givenNames: givenNames!,
    address: address!,
    nationalNumber: nationalNumber!,
    lines: lines!,
  };
}

function docketOf(raw: RawExtract): string {
  const docketText = single(raw, 'docket', { nl: 'JJJJ/NNNN', en: 'YYYY/NNNN' }).replace(/\s+/g, '');
  if (!/^\d{4}\/\d{1,5}$/.test(docketText)) {
    throw rejection('INVALID_FIELD', 'docket', {
      value: docketText,
      rule: {
        nl: 'JJJJ/NNNN: 4 cijfers, een schuine streep, 1 tot 5 cijfers',
        en: 'YYYY/NNNN: 4 digits, a slash, 1 to 5 digits',
      },
    });
  }
  return docketText;
}

function nationalNumberOf(raw: RawExtract): string {
  const rrnText = single(raw, 'nationalNumber', { nl: '11 cijfers', en: '11 digits' });
  const rrn = checkNationalNumber(rrnText);
  if (!rrn.valid || !rrn.digits) {
    throw rejection('INVALID_RRN', 'nationalNumber', {
      value: maskNationalNumber(rrnText),
      rule: NATIONAL_NUMBER_PROBLEMS[rrn.problem ?? 'FORMAT'],
    });
  }

  return rrn.digits;
}

function creditLines(
  raw: RawExtract,
  now: Date,
  register: InstitutionRegister,
  failures: ExtractRejectedError[],
): CreditLine[] | undefined {
  if (raw.lines.length === 0) {
    throw rejection('MISSING_FIELD', 'lines', {
      rule: {
        nl: 'minstens één kredietlijn (Academiejaar, Instelling, Opleiding, Studiepunten)',
        en: 'at least one credit line',
      },
    });
  }
  if (raw.lines.length > LIMITS.maxCreditLines) {
    throw rejection('INVALID_FIELD', 'lines', {
      value: String(raw.lines.length),
      rule: {
        nl: `hoogstens ${LIMITS.maxCreditLines} kredietlijnen`,
        en: `at most ${LIMITS.maxCreditLines} credit lines`,
      },
    });
  }
  const lines = raw.lines.map((l) => creditLine(l, now, register, failures));
  return lines.every((l) => l !== undefined) ? (lines as CreditLine[]) : undefined;
}

function checkTotals(raw: RawExtract, lines: readonly CreditLine[]): void {
  for (const [field, key] of [
    ['totalRequested', 'requested'],
    ['totalReturned', 'returned'],
  ] as const) {
    const values = occurrences(raw, field);
    if (values.length === 0) continue;
    const sum = lines.reduce((s, l) => s + l[key], 0);
    for (const v of values) {
      const total = wholeNumber(field, v);
      if (total !== sum) throw rejection('TOTALS_MISMATCH', field, { value: `${total} ≠ ${sum}` });
    }
  }
}

/** Parses positioned lines (pages of lines) into an extract. */
export function parseLines(
  pages: readonly (readonly Line[])[],
  options: ParseOptions = {},
  rules?: PdfText['rules'],
): Extract {
  const body = splitPageFurniture(pages);
  const raw = collectFields(
    body.lines,
    options.register,
    rules ? (page) => rules[page - 1] ?? [] : undefined,
  );
  return interpret({ ...raw, furnitureRulings: body.furnitureRulings }, options);
}

/** Parses plain text (one page per string) — for tools and tests that start from text. */
export function parseText(pages: readonly string[], options: ParseOptions = {}): Extract {
  return parseLines(
    pages.map((p, n) =>
      normaliseText(p)
        .split('\n')
        .map((text) => ({ text, cells: [{ x: 0, xEnd: 0, text }], page: n + 1 })),
    ),
    options,
  );
}

export type ParseResult =
  | { readonly ok: true; readonly extract: Extract }
  | { readonly ok: false; readonly error: ExtractRejectedError };

/**
 * Parses the positioned text a PDF reader returned (see `PdfTextReader`). Never throws for bad
 * input: returns the rejection.
 */
export function parsePdfText(text: PdfText, options: ParseOptions = {}): ParseResult {
  try {
    return { ok: true, extract: parseLines(text.pages, options, text.rules) };
  } catch (error) {
    if (error instanceof ExtractRejectedError) return { ok: false, error };
    throw error;
  }
}

export type { ExtractField };
