import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  NATIONAL_NUMBER_PROBLEMS,
  checkNationalNumber,
  invalidNationalNumber,
  maskNationalNumber,
  sentence,
} from '../../shared/domain/national-number.js';

/** Builds a valid number independently of the implementation under test. */
function build(yy: number, mm: number, dd: number, seq: number, bornFrom2000: boolean): string {
  const nine = `${String(yy).padStart(2, '0')}${String(mm).padStart(2, '0')}${String(dd).padStart(2, '0')}${String(seq).padStart(3, '0')}`;
  const check = 97 - Number(BigInt(bornFrom2000 ? `2${nine}` : nine) % 97n);
  return nine + String(check).padStart(2, '0');
}

const person = fc.record({
  yy: fc.integer({ min: 0, max: 99 }),
  mm: fc.integer({ min: 1, max: 12 }),
  dd: fc.integer({ min: 1, max: 28 }),
  seq: fc.integer({ min: 1, max: 998 }),
  from2000: fc.boolean(),
  bis: fc.constantFrom(0, 20, 40),
});

describe('national register number', () => {
  it('accepts the example of the extract format with its separators', () => {
    assert.deepEqual(checkNationalNumber('85.07.30-033.28'), {
      valid: true,
      digits: '85073003328',
      bis: false,
      century: 1900,
    });
  });

  it('accepts numbers of people born from 2000, whose check uses the 2 prefix', () => {
    const n = build(3, 2, 14, 123, true);
    assert.equal(checkNationalNumber(n).century, 2000);
  });

  it('accepts bis numbers (month + 20 or + 40)', () => {
    assert.equal(checkNationalNumber(build(90, 21, 5, 17, false)).valid, true);
    assert.equal(checkNationalNumber(build(90, 45, 5, 17, false)).bis, true);
  });

  it('rejects wrong check digits, impossible dates, bad sequences and bad formats', () => {
    assert.equal(checkNationalNumber('85.07.30-033.29').problem, 'CHECK_DIGITS');
    assert.equal(checkNationalNumber(build(85, 2, 30, 33, false)).problem, 'BIRTH_DATE');
    assert.equal(checkNationalNumber(build(85, 13, 1, 33, false)).problem, 'BIRTH_DATE');
    assert.equal(checkNationalNumber(build(85, 7, 30, 0, false)).problem, 'SEQUENCE');
    assert.equal(checkNationalNumber('8507300332').problem, 'FORMAT');
    assert.equal(checkNationalNumber('85.07.30-033.2a').problem, 'FORMAT');
  });

  it('accepts every well-built number, in any separator style (property)', () => {
    fc.assert(
      fc.property(person, fc.constantFrom('', '.', '-', ' '), ({ yy, mm, dd, seq, from2000, bis }, sep) => {
        const n = build(yy, mm + bis, dd, seq, from2000);
        const written = n.split('').join(sep);
        const r = checkNationalNumber(written);
        assert.equal(r.valid, true, written);
        assert.equal(r.digits, n);
      }),
    );
  });

  it('detects any change of one digit of the first nine under the same century rule (property)', () => {
    // mod 97 catches every single-digit change; the changed number may (1 time in 97) happen to be
    // valid under the *other* century's rule, which the scheme itself cannot tell apart.
    fc.assert(
      fc.property(person, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), (p, pos, add) => {
        const n = build(p.yy, p.mm + p.bis, p.dd, p.seq, p.from2000);
        const changed = n.slice(0, pos) + String((Number(n[pos]) + add) % 10) + n.slice(pos + 1);
        const r = checkNationalNumber(changed);
        assert.ok(!r.valid || r.century !== (p.from2000 ? 2000 : 1900), changed);
      }),
      { numRuns: 2000 },
    );
  });

  it('masks the sequence digits and never shows a malformed number', () => {
    assert.equal(maskNationalNumber('85073003328'), '85.07.30-xxx.28');
    assert.equal(maskNationalNumber('85.07.30-033.28'), '85.07.30-xxx.28');
    assert.equal(maskNationalNumber('8507300332'), 'xxxxxxxxxx');
  });
});

describe('national-number messages (one text for extract, API, import and console)', () => {
  it('names the problem and masks the number', () => {
    const m = invalidNationalNumber('85.07.30-033.27', 'CHECK_DIGITS');
    assert.equal(m.nl, 'ongeldig rijksregisternummer 85.07.30-xxx.27: de controlecijfers kloppen niet');
    assert.equal(m.en, 'invalid national register number 85.07.30-xxx.27: the check digits do not match');
    assert.equal(sentence(NATIONAL_NUMBER_PROBLEMS.CHECK_DIGITS.nl), 'De controlecijfers kloppen niet.');
  });
});
