/**
 * Fuzzing the parser with mutated extract text (fast-check). Valid extracts from the fixtures'
 * arbitraries are printed as text and mutated — labels dropped or duplicated (with the same or
 * another value), digits altered, inserted or deleted — and printed with the noise the format
 * allows (label case, colons, spacing, non-breaking and other Unicode spaces, zero-width
 * characters and soft hyphens, full-width digits, ligatures, decomposed accents, values on the
 * next line, wrapped values, CRLF).
 *
 * For every input: never a crash (a reading or a coded rejection), never a hang (each parse runs
 * in a worker thread with a time limit), never an accepted extract whose fields differ from the
 * independent oracle's unambiguous reading (test/reliability/text-oracle.ts), and no rejection
 * message that repeats a national number or a name. Without a meaning-changing mutation the
 * extract must be accepted, whatever the noise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ExtractRejectedError } from '../../shared/domain/errors.js';
import { parseText } from '../../shared/domain/parser.js';
import { exampleSpec } from '../fixtures/extract-pdf.js';
import { REJECTION_CODES, fuzzSeed } from './helpers.js';
import { ParseClient } from './parse-client.js';
import { PersonalData } from './privacy.js';
import {
  arbLineNoise,
  arbMutation,
  arbPrinted,
  mutate,
  oracleReading,
  printedFromSpec,
  render,
  type LineNoise,
  type Printed,
} from './text-oracle.js';

const NOW = new Date();
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 400);
/** Far above any real parse (about a millisecond): only a runaway loop reaches it. */
const TIME_LIMIT_MS = 3000;
/** No noise at all. */
const QUIET: LineNoise = {
  labelCase: 'as-is',
  alternative: 0,
  colon: true,
  gap: ' ',
  nextLine: false,
  wrapAt: undefined,
  spaces: 'plain',
  zeroWidth: undefined,
  fullWidthDigits: false,
  ligatures: false,
  decomposed: false,
  trailing: '',
  blankBefore: false,
};

/** Every name and national number printed on an extract, for the privacy scan of its messages. */
function personalDataOf(lines: readonly Printed[]): PersonalData {
  const p = new PersonalData();
  for (const l of lines) {
    if (l.kind !== 'label') continue;
    if (l.key === 'nationalNumber') p.number(l.value);
    if (l.key === 'surname' || l.key === 'givenNames') p.name(l.value);
  }
  return p;
}

/** The example extract of the format, as text. */
const EXAMPLE = render(
  printedFromSpec(exampleSpec(), ['surname', 'givenNames', 'address', 'nationalNumber']),
  [QUIET],
  false,
);

describe('rejection messages never repeat personal data', () => {
  const people = new PersonalData();
  people.person({ rrn: '85073003328', surname: 'Van den Broeck', givenNames: 'Anna Maria' });
  const rejected = (text: string): { code: string; text: string } => {
    try {
      parseText([text], { now: NOW });
    } catch (e) {
      assert.ok(e instanceof ExtractRejectedError, String(e));
      return { code: e.code, text: `${e.messages.nl}\n${e.messages.en}\n${e.message}` };
    }
    assert.fail('accepted');
  };

  it('masks a national number typed into another field', () => {
    const r = rejected(EXAMPLE.replace('Rolnummer: 2024/0815', 'Rolnummer: 85.07.30-033.28'));
    assert.equal(r.code, 'INVALID_FIELD');
    assert.match(r.text, /85\.07\.30-xxx\.28/);
    assert.deepEqual(people.findIn(r.text), []);
  });

  it('does not quote a decision that swallowed the line after it (a damaged label)', () => {
    const text = EXAMPLE.replace('wordt ingewilligd', 'wordt verworpen').replace(
      'Verzoekende partij\nNaam: Van den Broeck',
      'm: Van den Broeck',
    );
    const r = rejected(text);
    assert.equal(r.code, 'NOT_GRANTED');
    assert.deepEqual(people.findIn(r.text), []);
  });

  it('rejects a second label on a line without quoting it, and cuts a quoted value at an unlabelled name', () => {
    const twoLabels = rejected(
      EXAMPLE.replace(
        'Datum van het arrest: 12 maart 2024',
        'Datum van het arrest: 12 maart 2024\tNaam: Van den Broeck',
      ),
    );
    assert.equal(twoLabels.code, 'INVALID_FIELD');
    assert.deepEqual(people.findIn(twoLabels.text), []);
    const secondColumn = rejected(
      EXAMPLE.replace(
        'Datum van het arrest: 12 maart 2024',
        'Datum van het arrest: 12 maart 2O24\tNaam Van den Broeck',
      ),
    );
    assert.equal(secondColumn.code, 'INVALID_FIELD');
    assert.match(secondColumn.text, /12 maart 2O24 …/);
    assert.deepEqual(people.findIn(secondColumn.text), []);
  });

  it('does not quote an institution that swallowed the line after it', () => {
    const r = rejected(
      EXAMPLE.replace('Instelling: Universiteit Gent', 'Instelling: Universiteit Gent\nIad Sccancewor Maria'),
    );
    assert.equal(r.code, 'UNKNOWN_INSTITUTION');
    assert.deepEqual(people.findIn(r.text), []);
  });
});

describe('fuzzing the parser with mutated extract text', () => {
  const client = new ParseClient();
  const outcomes = new Map<string, number>();

  before(async () => {
    await client.warmUp();
  });

  after(async () => {
    await client.close();
    process.stderr.write(
      `[reliability] text fuzz: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}; slowest parse ${client.slowest.toFixed(1)} ms\n`,
    );
  });

  it(`never crashes, hangs, misreads or leaks personal data (${RUNS} mutated extracts)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        arbPrinted(NOW),
        fc.array(arbMutation(), { maxLength: 3 }),
        fc.array(arbLineNoise(), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async ({ lines }, mutations, noise, crlf) => {
          let printed: Printed[] = lines;
          for (const m of mutations) printed = mutate(printed, m);
          const text = render(printed, noise, crlf);
          const expected = oracleReading(printed, NOW);
          if (!mutations.length) assert.ok(expected, 'the oracle reads every generated extract');
          const r = await client.call({ kind: 'text', text, now: NOW.getTime() }, TIME_LIMIT_MS);
          assert.notEqual(r.kind, 'hang', `no answer within ${TIME_LIMIT_MS} ms`);
          if (r.kind === 'crash') assert.fail(`crashed: ${r.name}: ${r.message}\n${r.stack ?? ''}`);
          if (r.kind === 'accepted') {
            const k = mutations.length ? 'accepted after a mutation' : 'accepted';
            outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
            assert.ok(expected, 'accepted although the text admits no reading');
            assert.deepEqual(r.extract, expected, 'accepted with a reading other than the text says');
          } else if (r.kind === 'rejected') {
            outcomes.set(r.code, (outcomes.get(r.code) ?? 0) + 1);
            assert.ok(REJECTION_CODES.has(r.code), `unknown code ${r.code}`);
            assert.ok(mutations.length > 0, `an unmutated extract was rejected: ${r.code} ${r.messages.en}`);
            const leaked = personalDataOf(printed).findIn(`${r.messages.nl}\n${r.messages.en}`);
            assert.deepEqual(leaked, [], `the rejection message repeats personal data: ${r.code}`);
          } else assert.fail(`unexpected answer ${r.kind}`);
        },
      ),
      {
        numRuns: RUNS,
        seed: fuzzSeed('text fuzz'),
      },
    );
  });
});
