/**
 * The DOMMatrix stand-in that replaces @napi-rs/canvas in the Lambda bundle computes what the
 * real one computes (checked against the canvas where this machine can load it).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { DOMMatrix2D, ImageDataPolyfill, Path2DUnavailable } from '../../infra/pdfjs-globals.js';

type Matrix = { a: number; b: number; c: number; d: number; e: number; f: number };
interface MatrixInstance extends Matrix {
  multiplySelf(m: Matrix): MatrixInstance;
  preMultiplySelf(m: Matrix): MatrixInstance;
  translateSelf(x: number, y: number): MatrixInstance;
  scaleSelf(x: number, y?: number, z?: number, ox?: number, oy?: number): MatrixInstance;
  invertSelf(): MatrixInstance;
  transformPoint(p: { x: number; y: number }): { x: number; y: number };
}
type MatrixClass = new (init?: number[]) => MatrixInstance;

function loadCanvasDOMMatrix(): MatrixClass | undefined {
  try {
    return (createRequire(import.meta.url)('@napi-rs/canvas') as { DOMMatrix: MatrixClass }).DOMMatrix;
  } catch {
    return undefined;
  }
}
const Reference = loadCanvasDOMMatrix();

const values = (m: Matrix) => [m.a, m.b, m.c, m.d, m.e, m.f];
const close = (actual: number[], expected: number[]) =>
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-9, `${actual} ≠ ${expected}`));

const scenarios: [string, (M: MatrixClass) => Matrix | { x: number; y: number }][] = [
  ['identity', (M) => new M()],
  ['construction from six values', (M) => new M([2, 0.5, -1, 3, 10, -4])],
  ['multiplySelf', (M) => new M([2, 0.5, -1, 3, 10, -4]).multiplySelf(new M([0.3, 1, 2, -1, 5, 6]))],
  ['preMultiplySelf', (M) => new M([2, 0.5, -1, 3, 10, -4]).preMultiplySelf(new M([0.3, 1, 2, -1, 5, 6]))],
  [
    'scaleSelf then translateSelf (pdf.js Type3 glyphs)',
    (M) => new M().scaleSelf(1 / 8, -1 / 8).translateSelf(0, -8),
  ],
  ['scaleSelf around an origin', (M) => new M([1, 0, 0, 1, 3, 4]).scaleSelf(2, 3, 1, 5, 7)],
  ['invertSelf', (M) => new M([2, 0.5, -1, 3, 10, -4]).invertSelf()],
  ['transformPoint', (M) => new M([2, 0.5, -1, 3, 10, -4]).transformPoint({ x: 3, y: -2 })],
];

describe('DOMMatrix stand-in', () => {
  for (const [name, scenario] of scenarios) {
    test(
      `${name} gives the same result as the canvas DOMMatrix`,
      { skip: !Reference && 'no loadable @napi-rs/canvas on this machine' },
      () => {
        const mine = scenario(DOMMatrix2D as unknown as MatrixClass);
        const theirs = scenario(Reference!);
        if ('x' in mine && 'x' in theirs) close([mine.x, mine.y], [theirs.x, theirs.y]);
        else close(values(mine as Matrix), values(theirs as Matrix));
      },
    );
  }

  test('a singular matrix inverts to NaN, as the spec requires', () => {
    assert.ok(values(new DOMMatrix2D([1, 2, 2, 4, 0, 0]).invertSelf()).every(Number.isNaN));
  });

  test('3-D matrices are refused rather than silently flattened', () => {
    assert.throws(() => new DOMMatrix2D([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]), /3-D/);
    assert.throws(() => new DOMMatrix2D().translateSelf(0, 0, 1), /3-D/);
  });

  test('ImageData holds RGBA bytes for its dimensions and Path2D refuses to exist', () => {
    assert.equal(new ImageDataPolyfill(2, 3).data.length, 24);
    assert.throws(() => new ImageDataPolyfill(new Uint8ClampedArray(5), 1), RangeError);
    assert.throws(() => new Path2DUnavailable(), /extracts PDF text only/);
  });
});
