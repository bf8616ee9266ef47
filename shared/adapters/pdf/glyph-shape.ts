/**
 * Which digit a glyph draws, from its outline (docs: extract-format, "Only what a person sees
 * counts": a Unicode mapping that disagrees with the glyph drawn).
 *
 * Glyph names settle this for simple fonts with an encoding (`/one` drawn, `9` read), but the
 * fonts real producers embed — LibreOffice's, wkhtmltopdf's, Chromium's and WeasyPrint's subset
 * TrueType fonts — carry no glyph names, and pdf.js replaces their own cmap: the only evidence of
 * what a digit glyph looks like is its outline. pdf.js hands the outline of every glyph it draws
 * (with `disableFontFace`, as in Node) as an SVG-like path in text space: `M x y`, `L x y`,
 * `Q x1 y1 x y`, `C x1 y1 x2 y2 x y`, `Z`.
 *
 * The outline is filled (non-zero winding) into a small coverage grid scaled to the glyph's own
 * height, and compared with the digits of the reference typefaces in `digit-shapes.json` (made
 * by `bin/make-digit-shapes.ts` from the Debian font packages: DejaVu, Liberation, the URW base
 * 35 clones of Times/Helvetica/Courier/Palatino/Century/Bookman/Avant Garde, Carlito/Caladea
 * for Calibri/Cambria, Noto…). A glyph read as one digit whose shape is far from that digit in
 * every reference typeface and close to another digit draws the other digit. Only a clear case
 * counts: an unusual typeface (old-style figures, a script face) is not a mismatch unless its
 * glyph is plainly another digit.
 */
import references from './digit-shapes.json' with { type: 'json' };

/** The coverage grid: columns × rows, each cell 0–15 (the share of it the glyph covers). */
export const GRID_W = 12;
export const GRID_H = 16;
const SUPERSAMPLE = 4;
/** Curves are flattened into this many line segments. */
const CURVE_STEPS = 8;

type Point = [number, number];

/** The closed contours of an outline path, curves flattened; undefined when it cannot be read. */
export function contoursOf(path: string): Point[][] | undefined {
  const tokens = path.match(/[MLQCZ]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g);
  if (!tokens) return undefined;
  const contours: Point[][] = [];
  let current: Point[] = [];
  let cmd = '';
  let i = 0;
  const num = (): number => {
    const v = Number(tokens[i++]);
    if (!Number.isFinite(v)) throw new Error('bad number');
    return v;
  };
  const close = () => {
    if (current.length > 2) contours.push(current);
    current = [];
  };
  try {
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (/^[MLQCZ]$/.test(t)) {
        cmd = t;
        i++;
        if (cmd === 'Z') {
          close();
          continue;
        }
      } else if (!cmd || cmd === 'Z') return undefined;
      const last = current[current.length - 1] ?? [0, 0];
      if (cmd === 'M') {
        close();
        current.push([num(), num()]);
      } else if (cmd === 'L') {
        current.push([num(), num()]);
      } else if (cmd === 'Q') {
        const c: Point = [num(), num()];
        const e: Point = [num(), num()];
        for (let k = 1; k <= CURVE_STEPS; k++) {
          const u = k / CURVE_STEPS;
          const a = (1 - u) * (1 - u);
          const b = 2 * u * (1 - u);
          const d = u * u;
          current.push([a * last[0] + b * c[0] + d * e[0], a * last[1] + b * c[1] + d * e[1]]);
        }
      } else {
        const c1: Point = [num(), num()];
        const c2: Point = [num(), num()];
        const e: Point = [num(), num()];
        for (let k = 1; k <= CURVE_STEPS; k++) {
          const u = k / CURVE_STEPS;
          const a = (1 - u) ** 3;
          const b = 3 * u * (1 - u) ** 2;
          const c = 3 * u * u * (1 - u);
          const d = u ** 3;
          current.push([
            a * last[0] + b * c1[0] + c * c2[0] + d * e[0],
            a * last[1] + b * c1[1] + c * c2[1] + d * e[1],
          ]);
        }
      }
    }
  } catch {
    return undefined;
  }
  close();
  return contours.length ? contours : undefined;
}

/**
 * The glyph's coverage grid (row 0 at the top), scaled to its height and centred; undefined for
 * an empty or degenerate outline.
 */
export function shapeOf(path: string): Uint8Array | undefined {
  const contours = contoursOf(path);
  if (!contours) return undefined;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const c of contours)
    for (const [x, y] of c) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  const w = x1 - x0;
  const h = y1 - y0;
  if (!(h > 0) || !(w >= 0)) return undefined;
  const scale = Math.min(GRID_H / h, w > 0 ? GRID_W / w : Infinity);
  const offX = (GRID_W - w * scale) / 2;
  const offY = (GRID_H - h * scale) / 2;
  // Edges in grid space, y growing downwards.
  const edges: [number, number, number, number, number][] = [];
  for (const c of contours)
    for (let k = 0; k < c.length; k++) {
      const [ax, ay] = c[k]!;
      const [bx, by] = c[(k + 1) % c.length]!;
      const gx0 = offX + (ax - x0) * scale;
      const gy0 = offY + (y1 - ay) * scale;
      const gx1 = offX + (bx - x0) * scale;
      const gy1 = offY + (y1 - by) * scale;
      if (gy0 === gy1) continue;
      edges.push(gy0 < gy1 ? [gx0, gy0, gx1, gy1, 1] : [gx1, gy1, gx0, gy0, -1]);
    }
  const counts = new Uint16Array(GRID_W * GRID_H);
  const n = SUPERSAMPLE;
  const crossings: [number, number][] = [];
  for (let row = 0; row < GRID_H * n; row++) {
    const y = (row + 0.5) / n;
    crossings.length = 0;
    for (const [ax, ay, bx, by, dir] of edges) {
      if (y < ay || y >= by) continue;
      crossings.push([ax + ((y - ay) / (by - ay)) * (bx - ax), dir]);
    }
    if (crossings.length < 2) continue;
    crossings.sort((a, b) => a[0] - b[0]);
    const cellRow = Math.floor(row / n) * GRID_W;
    let winding = 0;
    for (let k = 0; k < crossings.length - 1; k++) {
      winding += crossings[k]![1];
      if (winding === 0) continue;
      const from = crossings[k]![0];
      const to = crossings[k + 1]![0];
      // Sample points inside [from, to).
      const first = Math.max(0, Math.ceil(from * n - 0.5));
      const last = Math.min(GRID_W * n - 1, Math.ceil(to * n - 0.5) - 1);
      for (let sx = first; sx <= last; sx++) counts[cellRow + Math.floor(sx / n)]!++;
    }
  }
  const grid = new Uint8Array(GRID_W * GRID_H);
  const full = n * n;
  for (let k = 0; k < grid.length; k++) grid[k] = Math.round((Math.min(counts[k]!, full) / full) * 15);
  return grid;
}

/** A grid as 192 hexadecimal digits (the reference file's form). */
export function shapeHex(grid: Uint8Array): string {
  return Array.from(grid, (v) => v.toString(16)).join('');
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex, (c) => parseInt(c, 16));
}

/** Mean absolute difference of two grids, 0 (same) to 1 (opposite). */
export function shapeDistance(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += Math.abs(a[k]! - b[k]!);
  return sum / (a.length * 15);
}

interface ReferenceFile {
  grid: number[];
  faces: { name: string; digits: Record<string, string> }[];
}

const DIGITS = '0123456789';
let referenceShapes: { digit: string; shape: Uint8Array }[] | undefined;

function referencesLoaded(): { digit: string; shape: Uint8Array }[] {
  if (!referenceShapes) {
    const file = references as ReferenceFile;
    referenceShapes = file.faces.flatMap((f) =>
      Object.entries(f.digits).map(([digit, hex]) => ({ digit, shape: fromHex(hex) })),
    );
  }
  return referenceShapes;
}

/** For each digit, the distance to its nearest reference glyph. */
export function digitDistances(
  shape: Uint8Array,
  refs: readonly { digit: string; shape: Uint8Array }[] = referencesLoaded(),
): Record<string, number> {
  const best: Record<string, number> = {};
  for (const d of DIGITS) best[d] = Infinity;
  for (const r of refs) best[r.digit] = Math.min(best[r.digit]!, shapeDistance(shape, r.shape));
  return best;
}

/**
 * A drawn digit is plainly another one when the nearest other digit is this much closer than
 * the digit read (ratio) and the digit read is this far off in every reference typeface
 * (absolute). Chosen from the reference typefaces left out one family at a time and the glyphs
 * of the real-producer corpus (test/unit/glyph-shape.test.ts measures both).
 */
export const MISMATCH_RATIO = 1.8;
export const MISMATCH_MIN_DISTANCE = 0.12;

/**
 * The digit a glyph read as digit `read` plainly draws instead, or undefined when its outline
 * is that digit, is ambiguous, or cannot be read.
 */
export function drawnDigitInstead(
  path: string,
  read: string,
  refs?: readonly { digit: string; shape: Uint8Array }[],
): string | undefined {
  if (!/^[0-9]$/.test(read)) return undefined;
  const shape = shapeOf(path);
  return shape ? digitInsteadOf(shape, read, refs) : undefined;
}

/** The same, from a glyph's coverage grid. */
export function digitInsteadOf(
  shape: Uint8Array,
  read: string,
  refs?: readonly { digit: string; shape: Uint8Array }[],
): string | undefined {
  const dist = digitDistances(shape, refs);
  let nearest = read;
  for (const d of DIGITS) if (dist[d]! < dist[nearest]!) nearest = d;
  if (nearest === read) return undefined;
  const own = dist[read]!;
  return own >= MISMATCH_MIN_DISTANCE && own >= MISMATCH_RATIO * dist[nearest]! ? nearest : undefined;
}
