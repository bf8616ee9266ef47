import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { importChunk, readImportFile } from '../../shared/cli/import-csv.js';
import { CSV_READ } from '../../shared/contract/csv.js';

describe("the CLI's import file (csv-parse in, csv-stringify out)", () => {
  const file =
    '\uFEFFnationalNumber;surname;givenNames;openingBalance\r\n' +
    '85073003328;"Van den\nBroeck, Jr.";"Jan ""Jos""";12\r\n' +
    '\r\n' +
    '85073003329;Claes;Eva;95\r\n';

  it('keeps a quoted field with a newline, a comma and quotes whole', () => {
    const { header, rows } = readImportFile(file);
    assert.deepEqual(header, ['nationalNumber', 'surname', 'givenNames', 'openingBalance']);
    assert.deepEqual(
      rows.map((r) => r.values),
      [
        ['85073003328', 'Van den\nBroeck, Jr.', 'Jan "Jos"', '12'],
        ['85073003329', 'Claes', 'Eva', '95'],
      ],
    );
  });

  it('numbers each row by the line of the file it starts on', () => {
    assert.deepEqual(
      readImportFile(file).rows.map((r) => r.line),
      [2, 5],
    );
  });

  it('sends what the server reads back to the same cells', () => {
    const { header, rows } = readImportFile(file);
    assert.deepEqual(parse(importChunk(header, rows), CSV_READ), [header, ...rows.map((r) => r.values)]);
  });

  it('reads a file without a header', () => {
    const { header, rows } = readImportFile('85073003328,Peeters,Jan,120\n');
    assert.equal(header, undefined);
    assert.deepEqual(rows, [{ line: 1, values: ['85073003328', 'Peeters', 'Jan', '120'] }]);
  });
});
