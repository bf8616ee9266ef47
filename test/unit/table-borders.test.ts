/**
 * Tables whose column ends only the drawn cell borders tell: a wide bordered column with its
 * header text left-aligned and its numbers right-aligned puts the numbers past the midpoint
 * between the header words; without borders the body's gaps tell the same columns.
 */
import { IDENTIFICATION, line } from '../fixtures/table-lines.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Line } from '../../shared/domain/layout.js';
import { parseLines } from '../../shared/domain/parser.js';
import { expectedExtract, exampleSpec } from '../fixtures/extract-pdf.js';
import { verticalRules } from '../../shared/adapters/pdf/page-walk.js';

const NOW = new Date('2026-11-22T10:00:00Z');

/** A right-aligned number ending at `right`. */
const num = (right: number, n: number): [number, string] => [right - 5 * String(n).length, String(n)];

// Column borders at 40, 110, 210, 420, 560, 700: the two credit columns are wide, their headers
// sit at their left edge, their numbers at their right edge.
const BORDERS = [40, 110, 210, 420, 560, 700];
function pageLines(): Line[] {
  let y = 780;
  const lines: Line[] = IDENTIFICATION.map((text) => line((y -= 14), [[44, text]]));
  y -= 10;
  lines.push(
    line(y, [
      [44, 'Academiejaar'],
      [114, 'Instelling'],
      [214, 'Opleiding'],
      [424, 'Teruggevraagd'],
      [564, 'Teruggegeven'],
    ]),
  );
  const rows: [string, string, string, number, number][] = [
    ['2022-2023', 'UGent', 'Bachelor of Science in de informatica', 27, 27],
    ['2023-2024', 'UGent', 'Bachelor of Science in de informatica', 15, 12],
  ];
  for (const [year, inst, prog, req, ret] of rows) {
    y -= 18;
    lines.push(line(y, [[44, year], [114, inst], [214, prog], num(555, req), num(695, ret)]));
  }
  y -= 30;
  lines.push(line(y, [[44, 'Voor eensluidend uittreksel, de griffier']]));
  return lines;
}
const RULES = BORDERS.map((x) => ({ x, yTop: 606, yBottom: 540 }));

describe('tables read with their drawn borders', () => {
  it('a number right-aligned in a wide bordered column is read in that column', () => {
    const extract = parseLines([pageLines()], { now: NOW }, [RULES]);
    const expected = expectedExtract(exampleSpec());
    assert.deepEqual(
      extract.lines.map((l) => [l.academicYear, l.requested, l.returned]),
      [
        ['2022-2023', 27, 27],
        ['2023-2024', 15, 12],
      ],
    );
    assert.equal(extract.nationalNumber, expected.nationalNumber);
  });

  it('without the borders the same page is read from the gaps of its body, never with the numbers swapped', () => {
    // The midpoints between the header words would put the requested credits in the programme
    // column and the returned ones under `Teruggevraagd`; the body's gaps put them in their own.
    const extract = parseLines([pageLines()], { now: NOW });
    assert.deepEqual(
      extract.lines.map((l) => [l.academicYear, l.requested, l.returned]),
      [
        ['2022-2023', 27, 27],
        ['2023-2024', 15, 12],
      ],
    );
  });

  it('a border drawn only below the header (another box on the page) does not move a column', () => {
    // Used, these lines would cut the programme column in two (a refusal or a wrong reading).
    const elsewhere = BORDERS.map((x) => ({ x: x + 60, yTop: 300, yBottom: 200 }));
    const extract = parseLines([pageLines()], { now: NOW }, [elsewhere]);
    assert.deepEqual(
      extract.lines.map((l) => [l.academicYear, l.programme, l.requested, l.returned]),
      [
        ['2022-2023', 'Bachelor of Science in de informatica', 27, 27],
        ['2023-2024', 'Bachelor of Science in de informatica', 15, 12],
      ],
    );
  });
});

describe('vertical lines found in a path (page walk)', () => {
  const I = [1, 0, 0, 1, 0, 0];
  // pdf.js path buffer codes: 0 moveTo, 1 lineTo, 2 curveTo, 3 closePath.
  it('a stroked vertical segment and a thin filled bar are rules; a wide box and a slanted line are not', () => {
    assert.deepEqual(verticalRules([0, 100, 700, 1, 100, 600], I, true, false), [
      { x: 100, yTop: 700, yBottom: 600 },
    ]);
    assert.deepEqual(
      verticalRules([0, 100, 700, 1, 100.5, 700, 1, 100.5, 600, 1, 100, 600, 3], I, false, true),
      [{ x: 100.25, yTop: 700, yBottom: 600 }],
    );
    assert.deepEqual(
      verticalRules([0, 100, 700, 1, 200, 700, 1, 200, 600, 1, 100, 600, 3], I, false, true),
      [],
    );
    assert.deepEqual(verticalRules([0, 100, 700, 1, 130, 600], I, true, false), []);
    // Page space: the transformation applies (a table drawn in a translated coordinate system).
    assert.deepEqual(verticalRules([0, 0, 0, 1, 0, 50], [1, 0, 0, 1, 40, 500], true, false), [
      { x: 40, yTop: 550, yBottom: 500 },
    ]);
  });

  it('a path of a million points is walked without piling up (bounded output)', () => {
    const n = 1_000_000;
    const buffer = new Float32Array(n * 6);
    for (let i = 0; i < n; i++) buffer.set([0, i % 500, 0, 1, i % 500, 100], i * 6);
    const rules = verticalRules(buffer, I, true, true);
    assert.ok(rules.length <= 2000, `${rules.length} rules`);
  });
});
