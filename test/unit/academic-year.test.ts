import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  academicYearRule,
  lastAcademicYearStart,
  parseAcademicYear,
} from '../../shared/domain/academic-year.js';

const now = new Date('2025-06-15T12:00:00Z');

describe('academic year (one rule for the parser, declarations and imports)', () => {
  it('accepts YYYY-YYYY from 2008-2009 to the year that starts this calendar year', () => {
    assert.equal(parseAcademicYear('2008-2009', now), '2008-2009');
    assert.equal(parseAcademicYear('2024-2025', now), '2024-2025');
    assert.equal(parseAcademicYear('2025-2026', now), '2025-2026');
  });

  it('normalises the separators a PDF or a spreadsheet may print', () => {
    assert.equal(parseAcademicYear('2024 – 2025', now), '2024-2025');
    assert.equal(parseAcademicYear('2024/2025', now), '2024-2025');
    assert.equal(parseAcademicYear(' 2024—2025 ', now), '2024-2025');
  });

  it('refuses a second year that does not follow, a year before 2008 or in the future, other shapes', () => {
    for (const text of ['2024-2026', '2025-2024', '2007-2008', '2026-2027', '24-25', '2024', '', 'x'])
      assert.equal(parseAcademicYear(text, now), undefined, text);
  });

  it('reads the current year in Brussels, not UTC', () => {
    // 31 December 23:30 UTC is already 1 January in Brussels.
    const newYear = new Date('2025-12-31T23:30:00Z');
    assert.equal(lastAcademicYearStart(newYear), 2026);
    assert.equal(parseAcademicYear('2026-2027', newYear), '2026-2027');
    assert.equal(parseAcademicYear('2026-2027', new Date('2025-12-31T22:30:00Z')), undefined);
  });

  it('names the rule with the last year allowed', () => {
    assert.match(academicYearRule(now).en, /from 2008-2009 to 2025-2026/);
    assert.match(academicYearRule(now).nl, /van 2008-2009 tot 2025-2026/);
  });
});
