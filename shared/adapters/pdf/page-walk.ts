/**
 * What a page shows, glyph by glyph: a walk over pdf.js's operator list of a page that keeps the
 * graphics state (transformation, clipping, fill colour and alpha, text render mode, font and
 * text state, form XObjects and groups) the way pdf.js's canvas renderer does, and places every
 * glyph on the page with the reason it cannot be seen, if any (see docs: extract-format, "Only
 * what a person sees counts").
 *
 * `getTextContent` gives the text of a page but not whether it is visible: text drawn in render
 * mode 3, white on white, clipped away, off the page, under an opaque image, at a size nobody can
 * read, or with a `ToUnicode` map that makes the glyph `1` read as `9`, all reads like the rest.
 * This walk is the adapter's only view of the graphics; what to do with hidden text is decided
 * in the domain (`shared/domain/visibility.ts`).
 */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { HiddenReason } from '../../domain/layout.js';
import { drawnDigitInstead } from './glyph-shape.js';

type Matrix = [number, number, number, number, number, number];
/** An axis-aligned box in page space: x0 ≤ x1, y0 ≤ y1. */
interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface PdfJsGlyph {
  unicode?: string;
  fontChar?: string;
  operatorListId?: string | number;
  originalCharCode?: number;
  width?: number;
  isSpace?: boolean;
}

interface PdfJsFont {
  loadedName?: string;
  fontMatrix?: number[];
  vertical?: boolean;
  differences?: (string | undefined)[] | Record<number, string>;
  defaultEncoding?: (string | undefined)[];
  composite?: boolean;
  isType3Font?: boolean;
  isSymbolicFont?: boolean;
  /** A Type 3 font's glyph procedures, by glyph (`operatorListId`). */
  charProcOperatorList?: Record<string, { fnArray: number[]; argsArray: unknown[][] }>;
}

/** pdf.js's path buffer codes (`DrawOPS`) in a `constructPath` operator. */
const DRAW = { moveTo: 0, lineTo: 1, curveTo: 2, closePath: 3 } as const;

/**
 * The outline a Type 3 glyph procedure fills, as a path (`M`, `L`, `C`, `Z`), from the path
 * buffers of its `constructPath` operators; undefined when it fills none (an image glyph).
 */
export function type3Outline(
  list: { fnArray: number[]; argsArray: unknown[][] } | undefined,
): string | undefined {
  if (!list) return undefined;
  const parts: string[] = [];
  list.fnArray.forEach((fn, k) => {
    if (fn !== OPS.constructPath) return;
    const args = list.argsArray[k];
    if (!FILL_PAINTS.has(args?.[0] as number)) return;
    const buffer = (args?.[1] as ArrayLike<number>[] | undefined)?.[0];
    if (!buffer) return;
    for (let i = 0; i < buffer.length;) {
      const op = buffer[i++];
      const take = (n: number) => Array.from({ length: n }, () => buffer[i++]).join(' ');
      if (op === DRAW.moveTo) parts.push(`M${take(2)}`);
      else if (op === DRAW.lineTo) parts.push(`L${take(2)}`);
      else if (op === DRAW.curveTo) parts.push(`C${take(6)}`);
      else if (op === DRAW.closePath) parts.push('Z');
      else return;
    }
  });
  return parts.length ? parts.join('') : undefined;
}

export interface WalkPage {
  view: number[];
  getOperatorList(): Promise<{ fnArray: number[]; argsArray: unknown[][] }>;
  commonObjs: { get(id: string): unknown; has?(id: string): boolean };
  objs: { get(id: string): unknown; has?(id: string): boolean };
}

/** One glyph as placed on the page (page space, points), with why it is hidden, if it is. */
export interface PlacedGlyph {
  readonly x: number;
  readonly y: number;
  readonly xEnd: number;
  readonly size: number;
  /** The text the PDF's Unicode mapping gives (what a text extractor reads). */
  readonly text: string;
  /** The character the glyph draws, when its name says and it differs from `text`. */
  readonly drawn?: string;
  readonly hidden?: HiddenReason;
  /** Index of the show-text operation that drew it: glyphs of one operation form runs. */
  readonly run: number;
  /**
   * Index of the text object (`BT` … `ET`) that drew it: producers that show each glyph on its
   * own (Chromium) still keep a word in one text object.
   */
  readonly block: number;
}

export interface PageImage {
  readonly objId: string | undefined;
  /** Share of the crop box the image covers (0–1). */
  readonly coverage: number;
}

export interface WalkResult {
  readonly glyphs: PlacedGlyph[];
  readonly operators: number;
  readonly maxDepth: number;
  /** Opaque images painted on the page, largest first. */
  readonly images: PageImage[];
  /** Vertical lines drawn on the page (table cell borders), in page space. */
  readonly rules: VerticalRule[];
}

/** A vertical line drawn on a page (a stroked segment or a thin filled bar), page space. */
export interface VerticalRule {
  readonly x: number;
  readonly yTop: number;
  readonly yBottom: number;
}

const STROKE_PAINTS = new Set<number>([
  OPS.stroke,
  OPS.closeStroke,
  OPS.fillStroke,
  OPS.eoFillStroke,
  OPS.closeFillStroke,
  OPS.closeEOFillStroke,
]);

/** Rules kept per page (a page of hatching is no table). */
const MAX_RULES = 2000;

/** A rule is at least this long (points) and, as a filled bar, at most this wide. */
const RULE_MIN_LENGTH = 6;
const RULE_MAX_WIDTH = 3;

/**
 * The vertical lines of one path (pdf.js path buffer, user space, `m` its transformation):
 * stroked vertical segments when `stroked`, and subpaths whose extent is a thin vertical bar when
 * `filled` (browsers and office suites draw cell borders both ways).
 */
export function verticalRules(
  buffer: ArrayLike<number>,
  m: readonly number[],
  stroked: boolean,
  filled: boolean,
): VerticalRule[] {
  const out: VerticalRule[] = [];
  // The current subpath's extent (kept as it grows: a path may hold millions of points).
  const sub = { n: 0, x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  let start: [number, number] | undefined;
  let at: [number, number] | undefined;
  const extend = (p: [number, number]): void => {
    sub.n++;
    sub.x0 = Math.min(sub.x0, p[0]);
    sub.x1 = Math.max(sub.x1, p[0]);
    sub.y0 = Math.min(sub.y0, p[1]);
    sub.y1 = Math.max(sub.y1, p[1]);
  };
  const endSubpath = (): void => {
    if (filled && sub.n >= 2 && sub.x1 - sub.x0 <= RULE_MAX_WIDTH && sub.y1 - sub.y0 >= RULE_MIN_LENGTH) {
      if (out.length < MAX_RULES) out.push({ x: (sub.x0 + sub.x1) / 2, yTop: sub.y1, yBottom: sub.y0 });
    }
    Object.assign(sub, { n: 0, x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity });
  };
  const lineTo = (to: [number, number]): void => {
    const vertical =
      at !== undefined && Math.abs(to[0] - at[0]) < 0.5 && Math.abs(to[1] - at[1]) >= RULE_MIN_LENGTH;
    if (stroked && at && vertical && out.length < MAX_RULES) {
      out.push({ x: (to[0] + at[0]) / 2, yTop: Math.max(to[1], at[1]), yBottom: Math.min(to[1], at[1]) });
    }
    at = to;
    extend(to);
  };
  for (let i = 0; i < buffer.length;) {
    const op = buffer[i++];
    if (op === DRAW.moveTo) {
      endSubpath();
      at = start = apply(m, buffer[i++]!, buffer[i++]!);
      extend(at);
    } else if (op === DRAW.lineTo) {
      lineTo(apply(m, buffer[i++]!, buffer[i++]!));
    } else if (op === DRAW.curveTo) {
      i += 4;
      at = apply(m, buffer[i++]!, buffer[i++]!);
      extend(at);
      filled = false; // a curved outline is no cell border
    } else if (op === DRAW.closePath) {
      if (start) lineTo(start);
      endSubpath();
      at = start;
    } else break;
  }
  endSubpath();
  return out;
}

/** The operator list of one page is more than the reader will walk. */
export class TooComplexError extends Error {
  constructor(what: string) {
    super(`PDF exceeds the reader's work limits: ${what}`);
    this.name = 'TooComplexError';
  }
}

export const WALK_LIMITS = {
  /** Operators in one page's list (an extract page holds a few thousand). */
  maxOperatorsPerPage: 50_000,
  /** Nested graphics states (`q`) and form XObjects (producers stay well under 30). */
  maxDepth: 200,
} as const;

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

function mul(m1: readonly number[], m2: readonly number[]): Matrix {
  const [a1 = 1, b1 = 0, c1 = 0, d1 = 1, e1 = 0, f1 = 0] = m1;
  const [a2 = 1, b2 = 0, c2 = 0, d2 = 1, e2 = 0, f2 = 0] = m2;
  return [
    a1 * a2 + c1 * b2,
    b1 * a2 + d1 * b2,
    a1 * c2 + c1 * d2,
    b1 * c2 + d1 * d2,
    a1 * e2 + c1 * f2 + e1,
    b1 * e2 + d1 * f2 + f1,
  ];
}

function apply(m: readonly number[], x: number, y: number): [number, number] {
  return [m[0]! * x + m[2]! * y + m[4]!, m[1]! * x + m[3]! * y + m[5]!];
}

function boxOf(m: readonly number[], x0: number, y0: number, x1: number, y1: number): Box {
  const pts = [apply(m, x0, y0), apply(m, x1, y0), apply(m, x0, y1), apply(m, x1, y1)];
  return {
    x0: Math.min(...pts.map((p) => p[0])),
    y0: Math.min(...pts.map((p) => p[1])),
    x1: Math.max(...pts.map((p) => p[0])),
    y1: Math.max(...pts.map((p) => p[1])),
  };
}

function intersect(a: Box | undefined, b: Box): Box {
  if (!a) return b;
  return {
    x0: Math.max(a.x0, b.x0),
    y0: Math.max(a.y0, b.y0),
    x1: Math.min(a.x1, b.x1),
    y1: Math.min(a.y1, b.y1),
  };
}

function area(b: Box): number {
  return Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
}

/** Share of `b` that lies inside `a` (a degenerate `b` counts by its centre). */
function shareInside(a: Box, b: Box): number {
  const ab = area(b);
  if (ab <= 0) {
    const cx = (b.x0 + b.x1) / 2;
    const cy = (b.y0 + b.y1) / 2;
    return cx >= a.x0 && cx <= a.x1 && cy >= a.y0 && cy <= a.y1 ? 1 : 0;
  }
  return area(intersect(a, b)) / ab;
}

/** Relative luminance of `#rrggbb` (WCAG). */
function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)) as [
    number,
    number,
    number,
  ];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Text whose contrast with what is behind it is below this ratio cannot be read (WCAG: 1 = none). */
const MIN_CONTRAST = 1.25;

function contrast(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Glyph names whose character is certain (Adobe Glyph List), for checking a Unicode mapping. */
const NAMED: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  period: '.',
  comma: ',',
  colon: ':',
  hyphen: '-',
  slash: '/',
  space: ' ',
};

/** The character a glyph name stands for, when it is certain; else undefined. */
export function charOfGlyphName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  if (/^[A-Za-z]$/.test(name)) return name;
  if (name in NAMED) return NAMED[name];
  const uni = /^uni([0-9A-F]{4})$/.exec(name) ?? /^u([0-9A-F]{4,6})$/.exec(name);
  if (uni) return String.fromCodePoint(parseInt(uni[1]!, 16));
  return undefined;
}

function glyphName(font: PdfJsFont | undefined, code: number | undefined): string | undefined {
  if (!font || code === undefined || font.composite || font.isType3Font) return undefined;
  const diff = (font.differences as Record<number, string> | undefined)?.[code];
  if (diff) return diff;
  // A symbolic font's codes are its own (subset fonts number their glyphs 1, 2, 3…): only an
  // explicit Differences entry names the glyph. A non-symbolic font's base encoding does.
  return font.isSymbolicFont ? undefined : (font.defaultEncoding?.[code] ?? undefined);
}

/** Letters, digits and the characters of field values: a mismatch there changes what is read. */
const CHECKED = /^[\p{L}\p{N}.,:/-]$/u;

/**
 * The character a glyph draws when the text read from it is another one: by the glyph's name
 * where the font names it, else, for a digit, by the shape of its outline (`outline` gives the
 * digit its outline plainly draws instead, if any).
 */
function unicodeMismatch(
  font: PdfJsFont | undefined,
  g: PdfJsGlyph,
  digitDrawn: (font: PdfJsFont, g: PdfJsGlyph, read: string) => string | undefined,
): string | undefined {
  const unicode = (g.unicode ?? '').normalize('NFKC');
  if (!unicode.trim()) return undefined;
  const drawn = charOfGlyphName(glyphName(font, g.originalCharCode));
  if (drawn === undefined && font && /^[0-9]$/.test(unicode)) return digitDrawn(font, g, unicode);
  if (drawn === undefined || drawn === ' ') return undefined;
  // Checked in both directions: a drawn digit read as something else, or a read digit drawn as another.
  if (!CHECKED.test(drawn) && !CHECKED.test(unicode)) return undefined;
  return unicode === drawn ? undefined : drawn;
}

interface State {
  ctm: Matrix;
  clip: Box | undefined;
  fill: string | undefined;
  stroke: string | undefined;
  fillAlpha: number;
  strokeAlpha: number;
  mode: number;
  font: PdfJsFont | undefined;
  fontSize: number;
  fontDirection: number;
  charSpacing: number;
  wordSpacing: number;
  hScale: number;
  leading: number;
  rise: number;
  tm: Matrix;
  x: number;
  y: number;
  lineX: number;
  lineY: number;
}

interface Paint {
  box: Box;
  /** Fill colour of a filled path; undefined for an image. */
  color?: string;
  seq: number;
  opaque: boolean;
  objId?: string;
}

const FILL_PAINTS = new Set<number>([
  OPS.fill,
  OPS.eoFill,
  OPS.fillStroke,
  OPS.eoFillStroke,
  OPS.closeFillStroke,
  OPS.closeEOFillStroke,
]);
const IMAGE_PAINTS = new Set<number>([
  OPS.paintImageXObject,
  OPS.paintInlineImageXObject,
  OPS.paintImageXObjectRepeat,
]);
const FILL_COLOURS = new Set<number>([
  OPS.setFillRGBColor,
  OPS.setFillGray,
  OPS.setFillCMYKColor,
  OPS.setFillColor,
  OPS.setFillColorN,
]);
const STROKE_COLOURS = new Set<number>([
  OPS.setStrokeRGBColor,
  OPS.setStrokeGray,
  OPS.setStrokeCMYKColor,
  OPS.setStrokeColor,
  OPS.setStrokeColorN,
]);

function hexArg(args: unknown[] | undefined): string | undefined {
  const v = args?.[0];
  return typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v) ? v.toLowerCase() : undefined;
}

function objGet(store: WalkPage['objs'], id: string): unknown {
  try {
    if (store.has && !store.has(id)) return undefined;
    return store.get(id);
  } catch {
    return undefined;
  }
}

/** Whether a decoded image (pdf.js image object) has no transparency. */
function imageOpaque(img: unknown): boolean {
  if (!img || typeof img !== 'object') return true;
  const kind = (img as { kind?: number }).kind;
  return kind !== 3; // 3: RGBA_32BPP, an image with a soft mask or alpha
}

/**
 * Walks one page. `optionalVisible` says whether an optional-content group is shown (pdf.js's
 * optional content configuration); content in a hidden group is invisible.
 */
export async function walkPage(
  page: WalkPage,
  optionalVisible: (group: unknown) => boolean = () => true,
): Promise<WalkResult> {
  const digitsDrawn = new Map<string, string | undefined>();
  const list = await page.getOperatorList();
  const operators = list.fnArray.length;
  if (operators > WALK_LIMITS.maxOperatorsPerPage) throw new TooComplexError('operators per page');
  const [vx0 = 0, vy0 = 0, vx1 = 612, vy1 = 792] = page.view;
  const crop: Box = {
    x0: Math.min(vx0, vx1),
    y0: Math.min(vy0, vy1),
    x1: Math.max(vx0, vx1),
    y1: Math.max(vy0, vy1),
  };

  let s: State = {
    ctm: [...IDENTITY],
    clip: undefined,
    fill: '#000000',
    stroke: '#000000',
    fillAlpha: 1,
    strokeAlpha: 1,
    mode: 0,
    font: undefined,
    fontSize: 0,
    fontDirection: 1,
    charSpacing: 0,
    wordSpacing: 0,
    hScale: 1,
    leading: 0,
    rise: 0,
    tm: [...IDENTITY],
    x: 0,
    y: 0,
    lineX: 0,
    lineY: 0,
  };
  const stack: State[] = [];
  let maxDepth = 0;
  let pendingClip = false;
  let annotation = 0;
  const marked: boolean[] = [];
  const paints: Paint[] = [];
  const rules: VerticalRule[] = [];
  const glyphs: (PlacedGlyph & { box: Box; seq: number })[] = [];
  let seq = 0;
  let run = 0;
  let block = 0;

  const save = (): void => {
    stack.push({ ...s, ctm: [...s.ctm], tm: [...s.tm] });
    if (stack.length > maxDepth) maxDepth = stack.length;
    if (stack.length > WALK_LIMITS.maxDepth) throw new TooComplexError('nesting depth');
  };
  const restore = (): void => {
    s = stack.pop() ?? s;
  };
  const moveText = (x: number, y: number): void => {
    s.x = s.lineX += x;
    s.y = s.lineY += y;
  };

  for (let i = 0; i < operators; i++) {
    const fn = list.fnArray[i]!;
    const args = list.argsArray[i];
    seq++;
    switch (fn) {
      case OPS.save:
        save();
        break;
      case OPS.restore:
        restore();
        break;
      case OPS.transform:
        s.ctm = mul(s.ctm, args as number[]);
        break;
      case OPS.paintFormXObjectBegin:
      case OPS.beginGroup: {
        save();
        const [matrix, bbox] =
          fn === OPS.beginGroup
            ? [(args?.[0] as { matrix?: number[] })?.matrix, (args?.[0] as { bbox?: number[] })?.bbox]
            : [args?.[0] as number[] | undefined, args?.[1] as number[] | undefined];
        if (Array.isArray(matrix) || ArrayBuffer.isView(matrix)) s.ctm = mul(s.ctm, Array.from(matrix));
        if ((Array.isArray(bbox) || ArrayBuffer.isView(bbox)) && bbox.length === 4) {
          const [bx0, by0, bx1, by1] = Array.from(bbox) as [number, number, number, number];
          s.clip = intersect(s.clip, boxOf(s.ctm, bx0, by0, bx1, by1));
        }
        break;
      }
      case OPS.paintFormXObjectEnd:
      case OPS.endGroup:
        restore();
        break;
      case OPS.beginAnnotation:
        annotation++;
        save();
        break;
      case OPS.endAnnotation:
        annotation = Math.max(0, annotation - 1);
        restore();
        break;
      case OPS.beginMarkedContent:
        marked.push(true);
        break;
      case OPS.beginMarkedContentProps:
        marked.push(args?.[0] === 'OC' && args[1] ? optionalVisible(args[1]) : true);
        break;
      case OPS.endMarkedContent:
        marked.pop();
        break;
      case OPS.setGState:
        for (const [key, value] of (args?.[0] ?? []) as [string, unknown][]) {
          if (key === 'ca' && typeof value === 'number') s.fillAlpha = value;
          else if (key === 'CA' && typeof value === 'number') s.strokeAlpha = value;
          else if (key === 'Font' && Array.isArray(value)) {
            setFont(value[0] as string, value[1] as number);
          }
        }
        break;
      case OPS.setFont:
        setFont(args?.[0] as string, args?.[1] as number);
        break;
      case OPS.setTextRenderingMode:
        s.mode = Number(args?.[0]) || 0;
        break;
      case OPS.setCharSpacing:
        s.charSpacing = Number(args?.[0]) || 0;
        break;
      case OPS.setWordSpacing:
        s.wordSpacing = Number(args?.[0]) || 0;
        break;
      case OPS.setHScale:
        s.hScale = (Number(args?.[0]) || 0) / 100;
        break;
      case OPS.setLeading:
        s.leading = -(Number(args?.[0]) || 0);
        break;
      case OPS.setTextRise:
        s.rise = Number(args?.[0]) || 0;
        break;
      case OPS.beginText:
        block++;
        s.tm = [...IDENTITY];
        s.x = s.y = s.lineX = s.lineY = 0;
        break;
      case OPS.setTextMatrix: {
        const m = (args?.length === 1 ? args[0] : args) as ArrayLike<number>;
        s.tm = Array.from(m) as Matrix;
        s.x = s.y = s.lineX = s.lineY = 0;
        break;
      }
      case OPS.moveText:
        moveText(Number(args?.[0]) || 0, Number(args?.[1]) || 0);
        break;
      case OPS.setLeadingMoveText:
        s.leading = Number(args?.[1]) || 0;
        moveText(Number(args?.[0]) || 0, Number(args?.[1]) || 0);
        break;
      case OPS.nextLine:
        moveText(0, s.leading);
        break;
      case OPS.setFillTransparent:
        s.fill = 'transparent';
        break;
      case OPS.setStrokeTransparent:
        s.stroke = 'transparent';
        break;
      case OPS.clip:
      case OPS.eoClip:
        pendingClip = true;
        break;
      case OPS.constructPath: {
        const paint = args?.[0] as number;
        const mm = args?.[2] as ArrayLike<number> | null | undefined;
        const buffer = (args?.[1] as ArrayLike<number>[] | undefined)?.[0];
        const inked = (colour: string | undefined, alpha: number): boolean =>
          colour !== 'transparent' && colour !== '#ffffff' && alpha > 0.5;
        if (buffer && annotation === 0) {
          const stroked = STROKE_PAINTS.has(paint) && inked(s.stroke, s.strokeAlpha);
          const filled = FILL_PAINTS.has(paint) && inked(s.fill, s.fillAlpha);
          if (stroked || filled) {
            for (const r of verticalRules(buffer, s.ctm, stroked, filled)) {
              if (rules.length < MAX_RULES) rules.push(r);
            }
          }
        }
        if (mm && mm.length === 4 && Number.isFinite(mm[0]!)) {
          const box = boxOf(s.ctm, mm[0]!, mm[1]!, mm[2]!, mm[3]!);
          if (FILL_PAINTS.has(paint) && s.fill !== 'transparent' && s.fillAlpha > 0.5 && annotation === 0) {
            // A fill with a pattern or shading (no plain colour) is behind text as "unknown".
            paints.push({
              box: s.clip ? intersect(s.clip, box) : box,
              ...(s.fill ? { color: s.fill } : {}),
              seq,
              opaque: s.fill !== undefined && s.fillAlpha >= 0.9,
            });
          }
          if (pendingClip) s.clip = intersect(s.clip, box);
        } else if (pendingClip) {
          s.clip = { x0: 0, y0: 0, x1: 0, y1: 0 }; // an empty clipping path clips everything
        }
        pendingClip = false;
        break;
      }
      case OPS.showText:
        if (annotation === 0) showText(args?.[0] as (PdfJsGlyph | number)[]);
        break;
      default:
        if (FILL_COLOURS.has(fn)) s.fill = hexArg(args);
        else if (STROKE_COLOURS.has(fn)) s.stroke = hexArg(args);
        else if (IMAGE_PAINTS.has(fn) && annotation === 0) {
          const objId = typeof args?.[0] === 'string' ? args[0] : undefined;
          const img = objId ? (objGet(page.objs, objId) ?? objGet(page.commonObjs, objId)) : args?.[0];
          const box = boxOf(s.ctm, 0, 0, 1, 1);
          paints.push({
            box: s.clip ? intersect(s.clip, box) : box,
            seq,
            opaque: imageOpaque(img) && s.fillAlpha >= 0.9,
            ...(objId ? { objId } : {}),
          });
        }
    }
  }

  /**
   * The digit a glyph's outline plainly draws instead of `read`, from the path pdf.js built for
   * it (once per font and glyph: the answer is kept per glyph).
   */
  function digitDrawn(font: PdfJsFont, g: PdfJsGlyph, read: string): string | undefined {
    if (!font.loadedName || !(font.isType3Font ? g.operatorListId !== undefined : g.fontChar))
      return undefined;
    const id = `${font.loadedName}_path_${font.isType3Font ? `t3_${g.operatorListId}` : g.fontChar}`;
    const key = `${id}|${read}`;
    if (!digitsDrawn.has(key)) {
      const path = font.isType3Font
        ? type3Outline(font.charProcOperatorList?.[String(g.operatorListId)])
        : objGet(page.commonObjs, id);
      digitsDrawn.set(key, typeof path === 'string' && path ? drawnDigitInstead(path, read) : undefined);
    }
    return digitsDrawn.get(key);
  }

  function setFont(id: string, size: number): void {
    const font = typeof id === 'string' ? (objGet(page.commonObjs, id) as PdfJsFont | undefined) : undefined;
    s.font = font && typeof font === 'object' ? font : undefined;
    const n = Number(size) || 0;
    s.fontDirection = n < 0 ? -1 : 1;
    s.fontSize = Math.abs(n);
  }

  function showText(items: (PdfJsGlyph | number)[] | undefined): void {
    if (!Array.isArray(items)) return;
    run++;
    const font = s.font;
    const fm = font?.fontMatrix ?? [0.001, 0, 0, 0.001, 0, 0];
    const size = s.fontSize;
    const hs = s.hScale * s.fontDirection;
    const advanceScale = size * (fm[0] ?? 0.001);
    const m = mul(s.ctm, s.tm);
    const invisible =
      s.mode === 3 ||
      s.mode === 7 ||
      marked.includes(false) ||
      (s.mode % 4 === 1 ? s.strokeAlpha : s.fillAlpha) < 0.1;
    const colour = s.mode % 4 === 1 ? s.stroke : s.fill;
    let adv = 0;
    for (const g of items) {
      if (typeof g === 'number') {
        adv += (-g * size) / 1000;
        continue;
      }
      if (!g || typeof g !== 'object') continue;
      const spacing = (g.isSpace ? s.wordSpacing : 0) + s.charSpacing;
      const charWidth = (g.width ?? 0) * advanceScale + spacing * s.fontDirection;
      const tx0 = s.x + adv * hs;
      const tx1 = s.x + (adv + charWidth) * hs;
      adv += charWidth;
      const text = g.unicode ?? '';
      if (!text.trim() || g.isSpace) continue;
      const ty = s.y + s.rise;
      const [x0, y0] = apply(m, tx0, ty);
      const [x1, y1] = apply(m, tx1, ty);
      const box = boxOf(m, Math.min(tx0, tx1), ty, Math.max(tx0, tx1), ty + size * 0.6);
      const deviceSize = Math.hypot(m[2], m[3]) * size;
      const deviceWidth = Math.hypot(x1 - x0, y1 - y0);
      const drawn = unicodeMismatch(font, g, digitDrawn);
      let hidden: HiddenReason | undefined;
      if (invisible || colour === 'transparent') hidden = 'invisible';
      else if (deviceSize < 1 || (deviceWidth < 0.3 && (g.width ?? 0) > 0)) hidden = 'unreadable-size';
      else if (shareInside(crop, box) < 0.5) hidden = 'off-page';
      else if (s.clip && shareInside(s.clip, box) < 0.5) hidden = 'clipped';
      else if (colour && contrast(colour, backgroundAt(box)) < MIN_CONTRAST) {
        hidden = 'background';
      } else if (drawn !== undefined) hidden = 'unicode-mismatch';
      glyphs.push({
        x: Math.min(x0, x1),
        y: y0,
        xEnd: Math.max(x0, x1),
        size: deviceSize,
        text,
        ...(drawn !== undefined ? { drawn } : {}),
        ...(hidden ? { hidden } : {}),
        run,
        block,
        box,
        seq,
      });
    }
    s.x += adv * hs;
  }

  /**
   * The colour behind a glyph: the last fill or image that covers most of it (a table rule
   * crossing a glyph is not its background), else white paper.
   */
  function backgroundAt(box: Box): string {
    for (let k = paints.length - 1; k >= 0; k--) {
      const p = paints[k]!;
      if (shareInside(p.box, box) < 0.6) continue;
      // Text on an image or a pattern: its contrast is unknown here, it counts as visible.
      return p.color ?? (p.opaque ? '#808080' : '#ffffff');
    }
    return '#ffffff';
  }

  // Text painted over later by an opaque image or fill cannot be seen.
  const placed: PlacedGlyph[] = glyphs.map(({ box, seq: at, ...g }) => {
    if (g.hidden && g.hidden !== 'unicode-mismatch') return g;
    const cover = paints.find((p) => p.seq > at && p.opaque && shareInside(p.box, box) >= 0.5);
    return cover ? { ...g, hidden: 'covered' as const } : g;
  });
  const pageArea = area(crop) || 1;
  const images = paints
    .filter((p) => p.color === undefined && p.opaque)
    .map((p) => ({ objId: p.objId, coverage: area(intersect(crop, p.box)) / pageArea }))
    .sort((a, b) => b.coverage - a.coverage);
  return { glyphs: placed, operators, maxDepth, images, rules };
}
