/**
 * Parse: ms per extract for 1-, 2- and 5-page extracts from both producers, against pdf-parse's
 * own text extraction of the same bytes (the floor our parser adds to). Calls alternate
 * (ours, baseline, ours, …) so both see the same machine state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { PDFParse } from 'pdf-parse';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { renderExtract } from '../fixtures/extract-pdf.js';
import { multiPageSpec } from './specs.js';
import { ms, ratio, table, timePair } from './stats.js';

async function rawText(bytes: Uint8Array): Promise<void> {
  const p = new PDFParse({ data: new Uint8Array(bytes) });
  await p.getText();
  await p.destroy();
}

export async function benchParse(runs: number): Promise<string[]> {
  const rows: string[][] = [];
  for (const pages of [1, 2, 5] as const) {
    for (const producer of ['pdf-lib', 'pdfkit'] as const) {
      const bytes = await renderExtract(multiPageSpec(pages), producer);
      const check = await parseExtract(bytes);
      if (!check.ok)
        throw new Error(`bench fixture rejected: ${check.error.code} ${check.error.messages.en}`);
      const { a: ours, b: base } = await timePair(
        () => parseExtract(bytes),
        () => rawText(bytes),
        runs,
      );
      rows.push([
        `${pages} page${pages > 1 ? 's' : ''}`,
        producer,
        ms(ours.median),
        ms(ours.p95),
        ms(base.median),
        ms(base.p95),
        ratio(ours.median, base.median),
      ]);
    }
  }
  // The real-producer corpus (test/fixtures/producers/pdf): one pass over every file counts as a
  // run, so the figure weighs Chromium, WeasyPrint, LibreOffice, groff … alike.
  const dir = new URL('../fixtures/producers/pdf/', import.meta.url);
  const corpus = readdirSync(dir)
    .filter((f) => f.endsWith('.pdf'))
    .map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
  if (corpus.length > 0) {
    const corpusRuns = Math.max(3, Math.ceil(runs / 10));
    const { a: ours, b: base } = await timePair(
      async () => {
        for (const bytes of corpus) await parseExtract(bytes);
      },
      async () => {
        for (const bytes of corpus) await rawText(bytes);
      },
      corpusRuns,
      1,
    );
    rows.push([
      `producer corpus (${corpus.length} files, per pass)`,
      'real producers',
      ms(ours.median),
      ms(ours.p95),
      ms(base.median),
      ms(base.p95),
      ratio(ours.median, base.median),
    ]);
  }
  return [
    '## Parse',
    '',
    `\`parseExtract\` (pdf.js load + positioned text + our parser) against \`pdf-parse\`'s own \`getText()\` on the same bytes, ${runs} alternating runs each after 5 warm-up runs.`,
    '',
    ...table(
      [
        'extract',
        'producer',
        'parse median ms',
        'parse p95 ms',
        'baseline median ms',
        'baseline p95 ms',
        'ratio (median)',
      ],
      rows,
    ),
    '',
  ];
}
