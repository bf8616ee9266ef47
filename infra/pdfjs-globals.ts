/**
 * Pure-JS stand-ins for the three browser globals pdf.js expects in Node: `DOMMatrix`,
 * `ImageData` and `Path2D`.
 *
 * pdf.js (inside pdf-parse) normally takes them from the native `@napi-rs/canvas` package, and
 * evaluates `new DOMMatrix()` at module load, so without them the import itself fails
 * ("DOMMatrix is not defined"). The intake only extracts text and metadata, which never draws,
 * so the Lambda bundle ships no canvas binary at all and installs these instead (see
 * `infra/pdfjs-preload.ts` and `infra/bundling.ts`):
 *
 * - `DOMMatrix`: a complete 2-D affine matrix. pdf.js builds one at load time and, while loading
 *   Type3 fonts for text extraction, compiles image-mask glyphs with `scaleSelf`/`translateSelf`.
 *   3-D matrices are refused rather than silently flattened.
 * - `ImageData`: a plain pixel container, as the HTML spec defines it.
 * - `Path2D`: only ever built when rendering to a canvas; it throws, so any accidental rendering
 *   path fails loudly instead of producing garbage.
 *
 * Globals that already exist (a real canvas was loaded first) are left alone.
 */

export interface Point2D {
  x: number;
  y: number;
}

/** Brand of the stand-ins, for tests: `globalThis.DOMMatrix[Symbol.for('ruling-intake.pdfjs-polyfill')]`. */
export const POLYFILL = Symbol.for('ruling-intake.pdfjs-polyfill');

type MatrixLike = Pick<DOMMatrix2D, 'a' | 'b' | 'c' | 'd' | 'e' | 'f'>;

function isMatrixLike(value: unknown): value is MatrixLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['a', 'b', 'c', 'd', 'e', 'f'].every((k) => typeof (value as Record<string, unknown>)[k] === 'number')
  );
}

const IDENTITY_3D_PART: readonly (readonly [number, number])[] = [
  // [index in the column-major 16-element init, expected value] for a 2-D matrix.
  [2, 0],
  [3, 0],
  [6, 0],
  [7, 0],
  [8, 0],
  [9, 0],
  [10, 1],
  [11, 0],
  [14, 0],
  [15, 1],
];

/** A 2-D affine `DOMMatrix` (https://drafts.fxtf.org/geometry/#dommatrix), `is2D` always true. */
export class DOMMatrix2D {
  /** Marks the stand-in (class names do not survive minification). */
  static readonly [POLYFILL] = true;

  a = 1;
  b = 0;
  c = 0;
  d = 1;
  e = 0;
  f = 0;

  constructor(init?: string | readonly number[] | ArrayLike<number>) {
    if (init === undefined) return;
    if (typeof init === 'string') {
      if (init.trim() === '' || init.trim() === 'none') return;
      throw new TypeError('DOMMatrix: CSS transform strings are not supported in this runtime');
    }
    const values = Array.from(init);
    if (values.length === 6) {
      this.setValues(values[0]!, values[1]!, values[2]!, values[3]!, values[4]!, values[5]!);
    } else if (values.length === 16) {
      if (IDENTITY_3D_PART.some(([i, v]) => values[i] !== v)) {
        throw new TypeError('DOMMatrix: 3-D matrices are not supported in this runtime');
      }
      this.setValues(values[0]!, values[1]!, values[4]!, values[5]!, values[12]!, values[13]!);
    } else {
      throw new TypeError(`DOMMatrix: expected 6 or 16 values, got ${values.length}`);
    }
  }

  static fromMatrix(other?: MatrixLike): DOMMatrix2D {
    return other === undefined
      ? new DOMMatrix2D()
      : new DOMMatrix2D([other.a, other.b, other.c, other.d, other.e, other.f]);
  }

  static fromFloat64Array(values: Float64Array): DOMMatrix2D {
    return new DOMMatrix2D(values);
  }

  static fromFloat32Array(values: Float32Array): DOMMatrix2D {
    return new DOMMatrix2D(values);
  }

  get is2D(): boolean {
    return true;
  }

  get isIdentity(): boolean {
    return this.a === 1 && this.b === 0 && this.c === 0 && this.d === 1 && this.e === 0 && this.f === 0;
  }

  // The 4x4 aliases of the 2-D components.
  get m11(): number {
    return this.a;
  }
  set m11(v: number) {
    this.a = v;
  }
  get m12(): number {
    return this.b;
  }
  set m12(v: number) {
    this.b = v;
  }
  get m21(): number {
    return this.c;
  }
  set m21(v: number) {
    this.c = v;
  }
  get m22(): number {
    return this.d;
  }
  set m22(v: number) {
    this.d = v;
  }
  get m41(): number {
    return this.e;
  }
  set m41(v: number) {
    this.e = v;
  }
  get m42(): number {
    return this.f;
  }
  set m42(v: number) {
    this.f = v;
  }

  /** this = this × other */
  multiplySelf(other?: MatrixLike): this {
    if (other === undefined) return this;
    if (!isMatrixLike(other)) throw new TypeError('DOMMatrix: multiplySelf expects a matrix');
    const { a, b, c, d, e, f } = this;
    return this.setValues(
      a * other.a + c * other.b,
      b * other.a + d * other.b,
      a * other.c + c * other.d,
      b * other.c + d * other.d,
      a * other.e + c * other.f + e,
      b * other.e + d * other.f + f,
    );
  }

  /** this = other × this */
  preMultiplySelf(other?: MatrixLike): this {
    if (other === undefined) return this;
    if (!isMatrixLike(other)) throw new TypeError('DOMMatrix: preMultiplySelf expects a matrix');
    const { a, b, c, d, e, f } = this;
    return this.setValues(
      other.a * a + other.c * b,
      other.b * a + other.d * b,
      other.a * c + other.c * d,
      other.b * c + other.d * d,
      other.a * e + other.c * f + other.e,
      other.b * e + other.d * f + other.f,
    );
  }

  translateSelf(tx = 0, ty = 0, tz = 0): this {
    if (tz !== 0) throw new TypeError('DOMMatrix: 3-D translation is not supported in this runtime');
    return this.multiplySelf(new DOMMatrix2D([1, 0, 0, 1, tx, ty]));
  }

  scaleSelf(scaleX = 1, scaleY = scaleX, scaleZ = 1, originX = 0, originY = 0, originZ = 0): this {
    if (scaleZ !== 1 || originZ !== 0)
      throw new TypeError('DOMMatrix: 3-D scaling is not supported in this runtime');
    return this.translateSelf(originX, originY)
      .multiplySelf(new DOMMatrix2D([scaleX, 0, 0, scaleY, 0, 0]))
      .translateSelf(-originX, -originY);
  }

  /** Inverts in place; a singular matrix becomes all-NaN, as the spec requires. */
  invertSelf(): this {
    const { a, b, c, d, e, f } = this;
    const det = a * d - b * c;
    if (det === 0 || !Number.isFinite(det)) return this.setValues(NaN, NaN, NaN, NaN, NaN, NaN);
    return this.setValues(d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det);
  }

  multiply(other?: MatrixLike): DOMMatrix2D {
    return DOMMatrix2D.fromMatrix(this).multiplySelf(other);
  }

  translate(tx?: number, ty?: number, tz?: number): DOMMatrix2D {
    return DOMMatrix2D.fromMatrix(this).translateSelf(tx, ty, tz);
  }

  scale(
    scaleX?: number,
    scaleY?: number,
    scaleZ?: number,
    originX?: number,
    originY?: number,
    originZ?: number,
  ): DOMMatrix2D {
    return DOMMatrix2D.fromMatrix(this).scaleSelf(scaleX, scaleY, scaleZ, originX, originY, originZ);
  }

  inverse(): DOMMatrix2D {
    return DOMMatrix2D.fromMatrix(this).invertSelf();
  }

  transformPoint(point: Partial<Point2D> = {}): Point2D {
    const x = point.x ?? 0;
    const y = point.y ?? 0;
    return { x: this.a * x + this.c * y + this.e, y: this.b * x + this.d * y + this.f };
  }

  toFloat64Array(): Float64Array {
    const { a, b, c, d, e, f } = this;
    return new Float64Array([a, b, 0, 0, c, d, 0, 0, 0, 0, 1, 0, e, f, 0, 1]);
  }

  toString(): string {
    return `matrix(${[this.a, this.b, this.c, this.d, this.e, this.f].join(', ')})`;
  }

  private setValues(a: number, b: number, c: number, d: number, e: number, f: number): this {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.e = e;
    this.f = f;
    return this;
  }
}

/** `ImageData` as the HTML spec defines it: RGBA bytes plus dimensions. */
export class ImageDataPolyfill {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly colorSpace = 'srgb';

  constructor(dataOrWidth: Uint8ClampedArray | number, widthOrHeight: number, height?: number) {
    if (typeof dataOrWidth === 'number') {
      this.width = dataOrWidth;
      this.height = widthOrHeight;
      this.data = new Uint8ClampedArray(this.width * this.height * 4);
    } else {
      this.data = dataOrWidth;
      this.width = widthOrHeight;
      this.height = height ?? dataOrWidth.length / 4 / widthOrHeight;
    }
    if (
      !Number.isInteger(this.width) ||
      !Number.isInteger(this.height) ||
      this.width <= 0 ||
      this.height <= 0 ||
      this.data.length !== this.width * this.height * 4
    ) {
      throw new RangeError('ImageData: dimensions do not match the data');
    }
  }
}

/** Rendering is not part of this runtime: building a path means something tried to draw. */
export class Path2DUnavailable {
  constructor() {
    throw new Error('Path2D is not available: this bundle extracts PDF text only and ships no canvas');
  }
}

const globals = globalThis as unknown as Record<string, unknown>;
globals['DOMMatrix'] ??= DOMMatrix2D;
globals['ImageData'] ??= ImageDataPolyfill;
globals['Path2D'] ??= Path2DUnavailable;
