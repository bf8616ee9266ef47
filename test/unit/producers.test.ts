/**
 * The parser on extracts printed by real producers (Chromium, WeasyPrint, wkhtmltopdf,
 * LibreOffice from .fodt and .docx, pandoc, groff, ghostscript, ocrmypdf): the committed PDFs of
 * test/fixtures/producers/pdf, read against test/fixtures/producers/expected.json, which was
 * written from the data the documents were rendered from (never from the parser).
 * Regenerate with test/fixtures/producers/make-corpus.sh (see its README).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import type { Extract } from '../../shared/domain/types.js';

interface Entry {
  readonly file: string;
  readonly producer: string;
  readonly layout: string;
  readonly variations: readonly string[];
  readonly expect:
    | { readonly extract: Extract }
    | { readonly reject: { readonly code: string; readonly field?: string } }
    | { readonly held: { readonly code: string } };
}

const dir = new URL('../fixtures/producers/', import.meta.url);
const entries = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Entry[];
/** "Today" for the rule that a ruling date is not in the future (the corpus goes up to 2026-11-30). */
const now = new Date('2026-12-01T12:00:00Z');

/**
 * Valid extracts the parser still rejects (safely: never a wrong value). Listed here, with why,
 * so the gap stays visible in every run (node:test prints them as TODO) until the parser reads
 * them; the expectations themselves stay as written from the data.
 */
const KNOWN_GAPS: Record<string, string> = {};

const read = (file: string) => new Uint8Array(readFileSync(new URL(`pdf/${file}`, dir)));

describe('extract parser on PDFs from real producers', () => {
  for (const e of entries) {
    const name = `${e.file} (${e.producer}: ${e.layout})`;
    const x = e.expect;
    if ('extract' in x) {
      const gap = KNOWN_GAPS[e.file];
      it(`${name} reads field-exact`, gap ? { todo: gap } : {}, async () => {
        const r = await parseExtract(read(e.file), { now });
        if (!r.ok) assert.fail(`rejected: ${r.error.code} ${r.error.field ?? ''} — ${r.error.messages.en}`);
        assert.deepEqual(r.extract, x.extract);
      });
    } else if ('reject' in x) {
      it(`${name} is rejected with ${x.reject.code}${x.reject.field ? ` (${x.reject.field})` : ''}`, async () => {
        const r = await parseExtract(read(e.file), { now });
        if (r.ok)
          assert.fail(`expected ${x.reject.code}, got an accepted extract: ${JSON.stringify(r.extract)}`);
        assert.equal(r.error.code, x.reject.code, r.error.messages.en);
        if (x.reject.field) assert.equal(r.error.field, x.reject.field, r.error.messages.en);
      });
    } else {
      it(`${name} is held with ${x.held.code}`, async () => {
        const r = await parseExtract(read(e.file), { now });
        assert.equal(r.ok, false, 'a scan must never be accepted as is');
        assert.equal(r.ok ? '' : r.error.code, x.held.code);
      });
    }
  }
});
