/**
 * Fuzzing the intake's PDF reading with mutated files (fast-check): valid extracts from three
 * producers — a plain uncompressed writer (so that flipped digits land in the text itself),
 * pdf-lib (compressed, object streams) and PDFKit, one with an embedded Unicode font — with
 * bytes flipped, digits changed, the file truncated or cut, objects removed or duplicated.
 *
 * For every input: `parseExtract` answers with a reading or a coded rejection (never a crash),
 * within the per-extract time limit (pdf.js runs in a worker thread that is terminated past
 * `LIMITS.parseTimeoutMs`; here a shorter limit keeps the suite fast), and an accepted extract
 * says what the same bytes say when pdf.js's text items are taken in content order and read by
 * the independent oracle of text-oracle.ts (see `comparable` for the two free-text fields left
 * out). Rejection messages never repeat a national number or a name. A hostile PDF that makes pdf.js run for minutes (deeply nested graphics states) is
 * rejected as PDF_TOO_COMPLEX by its operator count, whatever the machine's load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ReadResult as ParseResult } from '../../shared/domain/visibility.js';
import { extractPdfText, parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import type { Extract } from '../../shared/domain/types.js';
import { exampleSpec, expectedExtract, renderExtract } from '../fixtures/extract-pdf.js';
import { extractText, pdfFromText } from '../integration/helpers.js';
import { REJECTION_CODES, fuzzSeed } from './helpers.js';
import { ParseClient } from './parse-client.js';
import { arbPdfMutations, mutatePdf, plainPdf } from './pdf-mutations.js';
import { PersonalData } from './privacy.js';
import { oracleReading, printedFromText } from './text-oracle.js';

const NOW = new Date();
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 400);
/**
 * The wall-clock limit for this suite (production: `LIMITS.parseTimeoutMs`). Past it a read fails
 * as a transient error, which this suite counts as a hang; the work limits (operators, CPU time
 * of the reader's thread) answer hostile files long before, on a busy machine too.
 */
const LIMIT_MS = 30_000;

const people = new PersonalData();
const unicode = { ...exampleSpec(), surname: 'Nguyễn-Øster', givenNames: 'Thị Ngọc' };
people.person({ rrn: exampleSpec().nationalNumberText, surname: 'Van den Broeck', givenNames: 'Anna Maria' });
people.person(unicode);

/**
 * The fields compared with the oracle: all but the two free texts that nothing downstream reads
 * — the decision (only that it grants the appeal counts, and both readings must say so) and the
 * address (read, never stored, not part of the identity check). In a damaged file, garbage that
 * lands on their line or just below it by position joins them in the parser's positional reading
 * while the oracle, reading in content order, finds it elsewhere. Names and programmes wrap too,
 * and are compared: garbage there would change what is stored.
 */
function comparable(e: Extract): Omit<Extract, 'address' | 'decision'> {
  const { address: _address, decision: _decision, ...rest } = e;
  return rest;
}

/** `readPdfText` as it must behave: an answer, a coded rejection, within the limit plus slack. */
async function parseWithin(bytes: Uint8Array, limitMs: number): Promise<{ r: ParseResult; ms: number }> {
  const t = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    parseExtract(bytes, { now: NOW, timeoutMs: limitMs }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer ${limitMs + 5000} ms after a ${limitMs} ms limit`)),
        limitMs + 5000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return { r, ms: performance.now() - t };
}

/** A PDF whose content nests `depth` graphics states: pdf.js's state stack makes it quadratic. */
function nestedStatesPdf(depth: number): Uint8Array {
  const content = `${'q '.repeat(depth)}BT /F1 10 Tf 50 700 Td (Arrest nr.: 1) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

describe('fuzzing PDF reading with mutated files', () => {
  const client = new ParseClient();
  const bases: { name: string; bytes: Uint8Array }[] = [];
  const outcomes = new Map<string, number>();
  let slowest = 0;

  before(async () => {
    bases.push(
      { name: 'plain', bytes: plainPdf(extractText()) },
      { name: 'pdf-lib', bytes: await pdfFromText(extractText()) },
      { name: 'pdfkit', bytes: await renderExtract(exampleSpec(), 'pdfkit') },
      { name: 'pdf-lib unicode', bytes: await renderExtract(unicode, 'pdf-lib') },
    );
    await client.warmUp();
  });

  after(async () => {
    await client.close();
    process.stderr.write(
      `[reliability] PDF fuzz: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}; slowest parse ${slowest.toFixed(0)} ms\n`,
    );
  });

  it('reads every unmutated base file, and the oracle reads it the same', async () => {
    for (const b of bases) {
      const { r } = await parseWithin(b.bytes, LIMIT_MS);
      assert.ok(r.ok, `${b.name}: ${r.ok ? '' : r.error.code}`);
      const raw = await client.call({ kind: 'raw', bytes: b.bytes }, 30_000);
      assert.ok(raw.kind === 'raw' && raw.text !== null);
      assert.deepEqual(oracleReading(printedFromText(raw.text), NOW), r.extract, b.name);
    }
    assert.deepEqual((await parseWithin(bases[2]!.bytes, LIMIT_MS)).r, {
      ok: true,
      extract: expectedExtract(exampleSpec()),
    });
  });

  it(`never crashes, hangs, misreads or leaks personal data (${RUNS} mutated files)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 3 }), arbPdfMutations(), async (base, mutations) => {
        let bytes = bases[base]!.bytes;
        for (const m of mutations) bytes = mutatePdf(bytes, m);
        let answer: { r: ParseResult; ms: number };
        try {
          answer = await parseWithin(bytes, LIMIT_MS);
        } catch (e) {
          assert.fail(`${bases[base]!.name}: crashed or hung: ${(e as Error).name}: ${(e as Error).message}`);
        }
        const { r, ms } = answer;
        slowest = Math.max(slowest, ms);
        const key = r.ok ? 'accepted' : r.error.code;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (!r.ok) {
          assert.ok(REJECTION_CODES.has(r.error.code), `unknown code ${r.error.code}`);
          const leaked = people.findIn(`${r.error.messages.nl}\n${r.error.messages.en}`);
          assert.deepEqual(leaked, [], `the ${r.error.code} message repeats personal data`);
          return;
        }
        const raw = await client.call({ kind: 'raw', bytes }, 30_000);
        assert.ok(raw.kind === 'raw', `pdf-parse alone: ${raw.kind}`);
        assert.ok(raw.text !== null, 'accepted a file pdf-parse alone cannot read');
        const expected = oracleReading(printedFromText(raw.text), NOW);
        assert.ok(expected, `accepted, but the file's text admits no reading:\n${raw.text}`);
        assert.deepEqual(
          comparable(r.extract),
          comparable(expected),
          'accepted with a reading other than the text says',
        );
      }),
      {
        numRuns: RUNS,
        seed: fuzzSeed('PDF fuzz'),
      },
    );
  });

  it('never reads a damaged page as an extract with fewer credit lines (a cut or a blanked byte at every position)', async () => {
    // Totals are optional: without them nothing in the text shows that lines are missing. Found by
    // fuzzing: a cut in a compressed page, or one `)` overwritten, ended the text after line 1.
    const noTotals = { ...exampleSpec(), totals: 'absent' as const };
    const files = [
      { name: 'plain', bytes: plainPdf(extractText()) },
      { name: 'pdf-lib', bytes: await renderExtract(noTotals, 'pdf-lib') },
      { name: 'pdfkit', bytes: await renderExtract(noTotals, 'pdfkit') },
    ];
    let accepted = 0;
    for (const f of files) {
      const printed = (await parseWithin(f.bytes, LIMIT_MS)).r;
      assert.ok(printed.ok && printed.extract.lines.length === 2, f.name);
      const step = Math.ceil(f.bytes.length / 120);
      for (let at = 0; at < f.bytes.length; at += step) {
        for (const m of [
          { kind: 'cut', at, length: 40 },
          { kind: 'flip', at, value: 0x20 },
          { kind: 'truncate', at },
        ] as const) {
          const { r } = await parseWithin(mutatePdf(f.bytes, m), LIMIT_MS);
          if (!r.ok) continue;
          accepted++;
          assert.equal(
            r.extract.lines.length,
            2,
            `${f.name} ${JSON.stringify(m)}: accepted with lines missing`,
          );
        }
      }
    }
    assert.ok(accepted > 100, `only ${accepted} mutated files were accepted: the sweep would prove nothing`);
  });

  it('reads a clean file whose cross-reference table pdf.js had to rebuild (line ends converted)', async () => {
    const crlf = Buffer.from(
      Buffer.from(bases[0]!.bytes).toString('latin1').replace(/\n/g, '\r\n'),
      'latin1',
    );
    const { r } = await parseWithin(new Uint8Array(crlf), LIMIT_MS);
    assert.deepEqual(r, await parseWithin(bases[0]!.bytes, LIMIT_MS).then((x) => x.r));
  });

  it("keeps pdf.js's warnings (which can quote the page's text) out of the output", async () => {
    // The plain base with the `)` that closes its last text string blanked: an unterminated string.
    const plain = bases[0]!.bytes;
    const lastClose = Buffer.from(plain).toString('latin1').lastIndexOf(') Tj');
    const damaged = mutatePdf(plain, { kind: 'flip', at: lastClose, value: 0x20 });
    const printed: unknown[][] = [];
    const saved = console.warn;
    console.warn = (...args: unknown[]) => void printed.push(args);
    try {
      await assert.rejects(extractPdfText(damaged), { code: 'PDF_DAMAGED' });
      console.warn('after the read');
    } finally {
      console.warn = saved;
    }
    assert.deepEqual(printed, [['after the read']]);
  });

  it('rejects a PDF that would keep pdf.js busy for minutes as PDF_TOO_COMPLEX, by its operator count', async () => {
    // 40,000 nested `q`: 80 KB, over a minute of pdf.js time (measured), quadratic in the nesting
    // when pdf.js builds the text content. The operator list is counted before that: over the
    // per-page operator limit, on any machine and under any load (no time limit involved).
    const { r, ms } = await parseWithin(nestedStatesPdf(40_000), 60_000);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.error.code, 'PDF_TOO_COMPLEX');
    assert.ok(ms < 60_000, `answered after ${ms.toFixed(0)} ms`);
    // The same file with fewer operators but nested deeper than any producer nests: the same code.
    const deep = await parseWithin(nestedStatesPdf(1_000), 60_000);
    assert.equal(deep.r.ok ? '' : deep.r.error.code, 'PDF_TOO_COMPLEX');
    // The next extract reads normally.
    assert.equal((await parseWithin(bases[0]!.bytes, LIMIT_MS)).r.ok, true);
  });
});
