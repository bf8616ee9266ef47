/**
 * The parser on real PDFs from two producers (pdf-lib and PDFKit), with standard and embedded
 * Unicode fonts and the format's variations; and the bad PDFs with their codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { arbExtractSpec, arbProducer, arbTableStyle } from '../fixtures/arbitraries.js';
import {
  damagedPdf,
  encryptedPdf,
  exampleSpec,
  expectedExtract,
  notAPdf,
  renderExtract,
  scannedPdf,
  tooLargePdf,
  tooManyPagesPdf,
  type ExtractSpec,
} from '../fixtures/extract-pdf.js';

async function accepted(bytes: Uint8Array) {
  const r = await parseExtract(bytes);
  if (!r.ok) assert.fail(`rejected: ${r.error.code} ${r.error.field ?? ''} — ${r.error.messages.en}`);
  return r.extract;
}

async function rejectedWith(bytes: Uint8Array, code: string) {
  const r = await parseExtract(bytes);
  assert.equal(r.ok, false, `expected ${code}, got an accepted extract`);
  if (!r.ok) assert.equal(r.error.code, code, r.error.messages.en);
}

const variants: [string, (s: ExtractSpec) => ExtractSpec][] = [
  ['the example as is', (s) => s],
  ['as a table', (s) => ({ ...s, layout: 'table' })],
  [
    'as a bordered table with a wrapped programme',
    (s) => ({
      ...s,
      layout: 'table',
      tableBorders: true,
      lines: s.lines.map((l) => ({
        ...l,
        programme: `${l.programme} met een bijzonder lange afstudeerrichting`,
      })),
    }),
  ],
  [
    'with upper-case labels, missing colons and values on the next line',
    (s) => ({
      ...s,
      quirks: {
        labelCase: 'upper',
        colonless: ['rulingNumber', 'docket', 'surname'],
        valueOnNextLine: ['givenNames', 'address'],
      },
    }),
  ],
  [
    'with headers, footers and a page break inside a credit line',
    (s) => ({
      ...s,
      quirks: { headerFooter: true, pageBreakInLines: [1] },
    }),
  ],
  [
    'with ligatures, soft hyphens, non-breaking spaces and full-width digits',
    (s) => ({
      ...s,
      quirks: { ligatures: true, softHyphens: true, nbsp: true, fullWidthDigits: true },
    }),
  ],
  [
    // Found by the property test: the wrapped programme's last line went to the next page, above
    // the next row's year, and was read as the start of that row's programme (a wrong value).
    'as a table whose first row is split by a page break after its programme wrapped',
    (s) => ({
      ...s,
      layout: 'table',
      quirks: { pageBreakInLines: [0] },
      lines: s.lines.map((l, n) =>
        n === 0
          ? { ...l, programme: 'Master of Science in de industriële wetenschappen: elektromechanica' }
          : l,
      ),
    }),
  ],
  ['with a name in another script', (s) => ({ ...s, surname: 'Đặng-Øster Strauß', givenNames: 'Ngọc Anh' })],
];

/**
 * The generated-extract properties run from a fixed seed, so CI is repeatable; explore other
 * generated extracts with `PARSER_PROPERTY_SEED=random` (or a number) and `PARSER_PROPERTY_RUNS`.
 * fast-check prints the seed and the shrunk counterexample of any failure.
 */
const PROPERTY_SEED: { seed?: number } =
  process.env.PARSER_PROPERTY_SEED === 'random'
    ? {}
    : { seed: Number(process.env.PARSER_PROPERTY_SEED ?? 20261204) };

/** How a table the parser cannot read is refused: naming a field, never read wrong. */
const TABLE_REFUSALS = new Set(['INVALID_FIELD', 'MISSING_FIELD']);

describe('extract parser (PDF)', () => {
  for (const producer of ['pdf-lib', 'pdfkit'] as const) {
    for (const [what, change] of variants) {
      it(`reads ${what} (${producer})`, async () => {
        const spec = change(exampleSpec());
        const unicode =
          [...(spec.surname + spec.givenNames)].some((c) => c.codePointAt(0)! > 0xff) ||
          Boolean(spec.quirks?.ligatures);
        const bytes = await renderExtract(spec, producer, { font: unicode ? 'unicode' : 'standard' });
        assert.deepEqual(await accepted(bytes), expectedExtract(spec));
      });
    }
  }

  it('reads every generated extract exactly as printed, through either producer (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbExtractSpec(), arbProducer(), async (spec, producer) => {
        const bytes = await renderExtract(spec, producer, { font: 'unicode' });
        const r = await parseExtract(bytes);
        if (!r.ok) throw new Error(`rejected ${r.error.code} ${r.error.field}: ${r.error.messages.en}`);
        assert.deepEqual(r.extract, expectedExtract(spec));
      }),
      { numRuns: Number(process.env.PARSER_PROPERTY_RUNS ?? 60), ...PROPERTY_SEED },
    );
  });

  it('reads every generated table exactly as printed or refuses it naming a field, never a wrong value: header and body alignment, wrapped header and cells, vertical centring, page splits with a repeated header, a Totaal row (property)', async (t) => {
    const numRuns = Number(process.env.PARSER_PROPERTY_RUNS ?? 60);
    const refused: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        arbExtractSpec(),
        arbTableStyle(),
        fc.boolean(),
        arbProducer(),
        async (base, tableStyle, wrapProgramme, producer) => {
          const spec = {
            ...base,
            layout: 'table' as const,
            tableStyle,
            quirks: { ...base.quirks, wrapProgramme: wrapProgramme || base.quirks?.wrapProgramme === true },
          };
          const bytes = await renderExtract(spec, producer, { font: 'unicode' });
          const r = await parseExtract(bytes);
          if (!r.ok) {
            // Never a guess: a table the parser cannot read is refused naming a table field. Rare
            // layouts still refused are counted below (the gap is open, the wrong accept is not).
            assert.ok(
              TABLE_REFUSALS.has(r.error.code),
              `${r.error.code} ${r.error.field}: ${r.error.messages.en}`,
            );
            refused.push(`${r.error.code} ${r.error.field}`);
            return;
          }
          assert.deepEqual(r.extract, expectedExtract(spec));
        },
      ),
      { numRuns, ...PROPERTY_SEED },
    );
    t.diagnostic(`generated tables refused (safely): ${refused.length} of ${numRuns} ${refused.join('; ')}`);
    assert.ok(
      refused.length <= Math.ceil(numRuns / 20),
      `too many generated tables refused: ${refused.join('; ')}`,
    );
  });

  it('rejects bytes that are not a PDF, whatever the file name says', async () => {
    for (const kind of ['png', 'docx', 'text'] as const) await rejectedWith(notAPdf(kind), 'NOT_A_PDF');
  });

  it('rejects a password-protected PDF', async () => {
    await rejectedWith(await encryptedPdf(), 'PDF_ENCRYPTED');
  });

  it('rejects damaged PDFs', async () => {
    await rejectedWith(await damagedPdf('garbage'), 'PDF_DAMAGED');
    await rejectedWith(await damagedPdf('truncated'), 'PDF_DAMAGED');
  });

  it('rejects a scan without a text layer', async () => {
    await rejectedWith(await scannedPdf(), 'NO_TEXT_LAYER');
  });

  it('rejects more than 5 pages and more than 10 MiB with TOO_LARGE', async () => {
    await rejectedWith(await tooManyPagesPdf(), 'TOO_LARGE');
    await rejectedWith(await tooLargePdf(), 'TOO_LARGE');
  });

  it('rejects an extract whose totals do not add up, from a PDF', async () => {
    await rejectedWith(
      await renderExtract({ ...exampleSpec(), totals: 'wrong' }, 'pdfkit'),
      'TOTALS_MISMATCH',
    );
  });
});
