/**
 * Only what a person sees counts (issue 12): an extract whose only credit value is hidden — each
 * class of hidden text — is rejected HIDDEN_TEXT naming the field; the same extract printed
 * plainly is accepted; a scan with an OCR layer is held SCANNED_EXTRACT; and the detector finds
 * no hidden text in the files of real producers (samples/, test/fixtures/producers/pdf/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { extractPdfText, parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { hiddenTextField } from '../../shared/domain/visibility.js';
import { exampleSpec, renderExtract } from '../fixtures/extract-pdf.js';
import { HIDDEN_CLASSES, hiddenTextPdf } from '../fixtures/hidden-text.js';

const now = new Date('2026-12-01T12:00:00Z');

describe('hidden text', () => {
  it('reads the extract printed plainly (the control)', async () => {
    const r = await parseExtract(await hiddenTextPdf('visible'), { now });
    assert.ok(r.ok, r.ok ? '' : `${r.error.code} ${r.error.field}`);
    assert.equal(r.extract.lines[0]?.returned, 27);
  });

  for (const kind of HIDDEN_CLASSES) {
    it(`rejects an extract whose credit value is hidden (${kind}) with HIDDEN_TEXT`, async () => {
      const r = await parseExtract(await hiddenTextPdf(kind), { now });
      assert.equal(r.ok, false, `accepted: ${JSON.stringify(r.ok && r.extract.lines)}`);
      assert.equal(r.ok ? '' : r.error.code, 'HIDDEN_TEXT', r.ok ? '' : r.error.messages.en);
      if (kind !== 'all-invisible') assert.equal(r.ok ? '' : r.error.field, 'returned');
    });
  }

  it('holds a scan whose OCR text reads as a valid extract with SCANNED_EXTRACT', async () => {
    const r = await parseExtract(await hiddenTextPdf('scan-ocr'), { now });
    assert.equal(r.ok ? '' : r.error.code, 'SCANNED_EXTRACT');
  });

  it('compares the two readings field by field', () => {
    const ok = (returned: number) =>
      ({
        ok: true,
        extract: {
          ...{ rulingNumber: '9412', docket: '2024/0815', rulingDate: '2024-03-12', decision: 'x' },
          ...{ surname: 'A', givenNames: 'B', address: 'C', nationalNumber: '85073003328' },
          lines: [
            { academicYear: '2022-2023', institution: 'UGENT', programme: 'P', requested: 90, returned },
          ],
        },
      }) as const;
    assert.equal(hiddenTextField(ok(10), ok(10)), undefined);
    assert.equal(hiddenTextField(ok(10), ok(90)), 'returned');
    assert.equal(hiddenTextField(ok(10), null), 'file');
  });

  it('finds no hidden text in the files of real producers, pdf-lib and PDFKit', async () => {
    const dirs = ['../../samples/', '../fixtures/producers/pdf/'].map((d) => new URL(d, import.meta.url));
    const files: { name: string; bytes: Uint8Array }[] = dirs.flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith('.pdf') && !f.startsWith('scan-'))
        .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(new URL(f, d))) })),
    );
    for (const producer of ['pdf-lib', 'pdfkit'] as const) {
      for (const layout of ['blocks', 'table'] as const) {
        files.push({
          name: `${producer} ${layout}`,
          bytes: await renderExtract({ ...exampleSpec(), layout }, producer),
        });
      }
    }
    // Really hidden on the printed page, and harmless: Chromium clips the last letter of a
    // right-aligned header that overflows its narrow cell (the header still names its column).
    const REALLY_CLIPPED: Record<string, string> = {
      'ch-table-right-headers-noborder-total.pdf': '[{"page":1,"reason":"clipped","glyphs":1}]',
    };
    const findings: string[] = [];
    for (const f of files) {
      const text = await extractPdfText(f.bytes).catch(() => undefined);
      if (text?.hidden?.length || text?.scannedPages?.length) {
        const found = JSON.stringify(text.hidden ?? text.scannedPages);
        if (REALLY_CLIPPED[f.name] !== found) findings.push(`${f.name}: ${found}`);
        const r = await parseExtract(f.bytes, { now });
        if (!r.ok && r.error.code === 'HIDDEN_TEXT') findings.push(`${f.name}: rejected HIDDEN_TEXT`);
      }
    }
    assert.ok(files.length > 60, `only ${files.length} files`);
    assert.deepEqual(findings, []);
  });

  it('sees the OCR scan of the producer corpus as a scan, with no hidden text', async () => {
    const bytes = readFileSync(new URL('../fixtures/producers/pdf/scan-ocr-text-layer.pdf', import.meta.url));
    const text = await extractPdfText(new Uint8Array(bytes));
    assert.deepEqual(text.scannedPages, [1]);
    assert.equal(text.hidden, undefined);
  });
});
