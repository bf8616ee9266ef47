/**
 * Tables read from the gaps of their body (no drawn borders) and rows without padding: the
 * classes the producer sweep found (test/fixtures/producers/README.md, "Sweep"). Synthetic
 * positioned lines, so each geometry is exact; the committed producer PDFs
 * ch-table-left-header-right-body-mono.pdf and wp-table-centred-rows-no-padding.pdf are the same
 * classes as real producers print them.
 */
import { IDENTIFICATION, line } from '../fixtures/table-lines.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLines, type Line } from '../../shared/domain/layout.js';
import { parseLines } from '../../shared/domain/parser.js';
import { ExtractRejectedError } from '../../shared/domain/errors.js';

const NOW = new Date('2026-11-22T10:00:00Z');

/** Text right-aligned to end at `right`, one item per word (as Chromium emits a monospace font). */
function rightWords(right: number, text: string): [number, string][] {
  let x = right - 5 * text.length;
  return text.split(' ').map((w) => {
    const item: [number, string] = [x, w];
    x += 5 * (w.length + 1);
    return item;
  });
}

function page(table: Line[]): Line[][] {
  let y = 780;
  const lines = IDENTIFICATION.map((text) => line((y -= 14), [[44, text]]));
  return [[...lines, ...table, line(300, [[44, 'Voor eensluidend uittreksel, de griffier']])]];
}

const HEADER = (y: number) =>
  line(y, [
    [44, 'Academiejaar'],
    [114, 'Instelling'],
    [324, 'Opleiding'],
    [474, 'Teruggevraagd'],
    [574, 'Teruggegeven'],
  ]);

describe('table columns from the gaps of the body', () => {
  it('a right-aligned institution under a left-aligned header is read whole, though its words stand past the midpoint between the header texts', () => {
    // Columns 40 | 110 | 320 | 470 | 570 | 680; the institution ends at the column's right edge.
    const extract = parseLines(
      page([
        HEADER(560),
        line(540, [
          [44, '2022-2023'],
          ...rightWords(310, 'Katholieke Hogeschool VIVES'),
          [324, 'Bachelor in de rechten'],
          [474, '27'],
          [574, '20'],
        ]),
      ]),
      { now: NOW },
    );
    assert.deepEqual(extract.lines, [
      {
        academicYear: '2022-2023',
        institution: 'VIVES',
        programme: 'Bachelor in de rechten',
        requested: 27,
        returned: 20,
      },
    ]);
  });
});

describe('rows without padding (a cell runs from row to row at the line pitch)', () => {
  const row = (year: string, prog: string, req: number, ret: number): [number, string][] => [
    [44, year],
    [114, 'UGent'],
    ...(prog ? ([[324, prog]] as [number, string][]) : []),
    [474, String(req)],
    [574, String(ret)],
  ];

  it('a vertically centred wrapped programme stays in its own row, not the next', () => {
    // Row 1: the programme's two lines (507, 493) centred on its year (500); row 2 at 479,
    // one pitch (14) below: the last line of row 1 is as near row 2's year as its own.
    const extract = parseLines(
      page([
        HEADER(525),
        line(507, [[324, 'Master in de']]),
        line(500, row('2022-2023', '', 27, 27)),
        line(493, [[324, 'rechten']]),
        line(479, row('2023-2024', 'Bachelor in de filosofie', 15, 12)),
      ]),
      { now: NOW },
    );
    assert.deepEqual(
      extract.lines.map((l) => [l.academicYear, l.programme]),
      [
        ['2022-2023', 'Master in de rechten'],
        ['2023-2024', 'Bachelor in de filosofie'],
      ],
    );
  });

  it('a cell that reads as top-aligned and as centred alike is refused naming the field, never split by a guess', () => {
    // Lines at 500, 486, 472, 458, years at 500 and 472: top-aligned (two lines each) or
    // centred (one line, then three) fit equally.
    assert.throws(
      () =>
        parseLines(
          page([
            HEADER(525),
            line(500, row('2022-2023', 'Master in de', 27, 27)),
            line(486, [[324, 'rechten']]),
            line(472, row('2023-2024', 'Bachelor in de', 15, 12)),
            line(458, [[324, 'filosofie']]),
          ]),
          { now: NOW },
        ),
      (e) => e instanceof ExtractRejectedError && e.code === 'INVALID_FIELD' && e.field === 'programme',
    );
  });
});

describe('text printed over text', () => {
  it('is refused as PDF_DAMAGED with a message a clerk can act on: which page, and why (not "cannot be opened")', () => {
    const item = (x: number, text: string) => ({ x, xEnd: x + 5 * text.length, y: 500, size: 10, text });
    // A programme wider than its column runs into the credits printed beside it.
    assert.throws(
      () => buildLines([item(44, 'Bachelor in de industriële wetenschappen'), item(150, '12')], 2),
      (e: unknown) =>
        e instanceof ExtractRejectedError &&
        e.code === 'PDF_DAMAGED' &&
        /pagina 2 staat tekst over andere tekst/.test(e.messages.nl) &&
        /page 2 text is printed over other text/.test(e.messages.en),
    );
    // The same text drawn twice a hair apart (fake bold) is one text, not damage.
    assert.equal(buildLines([item(44, 'Totaal'), item(44.5, 'Totaal')], 1)[0]!.text, 'Totaal');
  });
});
