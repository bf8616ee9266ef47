/**
 * What a digit glyph draws, from its outline (issue 12: a Unicode mapping that disagrees with the
 * glyph drawn). Measured on the reference typefaces with each family left out in turn (as an
 * unseen typeface would be), and on real producers' files whose ToUnicode map was edited to
 * read every `1` as `9`: LibreOffice (TrueType subset without glyph names), Chromium and
 * WeasyPrint (Type0 subsets), wkhtmltopdf (Type0 without a cmap).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodePDFRawStream, PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import references from '../../shared/adapters/pdf/digit-shapes.json' with { type: 'json' };
import {
  contoursOf,
  digitDistances,
  digitInsteadOf,
  drawnDigitInstead,
  fromHex,
  shapeOf,
} from '../../shared/adapters/pdf/glyph-shape.js';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';

interface Face {
  name: string;
  family: string;
  digits: Record<string, string>;
}
const faces = (references as { faces: Face[] }).faces;
const DIGITS = [...'0123456789'];
/** The reference shapes without one family: that family's glyphs are an unseen typeface. */
const without = (family: string) =>
  faces
    .filter((f) => f.family !== family)
    .flatMap((f) => Object.entries(f.digits).map(([digit, hex]) => ({ digit, shape: fromHex(hex) })));

describe('digit glyph shapes', () => {
  it('covers the common typefaces (70 faces, each digit)', () => {
    assert.ok(faces.length >= 60, `${faces.length} faces`);
    for (const f of faces) assert.deepEqual(Object.keys(f.digits).sort(), DIGITS, f.name);
  });

  it('never takes an unseen typeface’s digit for another one (each family left out in turn)', () => {
    const wrong: string[] = [];
    for (const f of faces) {
      const refs = without(f.family);
      for (const [digit, hex] of Object.entries(f.digits)) {
        const drawn = digitInsteadOf(fromHex(hex), digit, refs);
        if (drawn !== undefined) wrong.push(`${f.name} ${digit} taken for ${drawn}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('finds a digit read as another one in nearly every unseen typeface, `1` read as `9` in all', () => {
    let pairs = 0;
    let found = 0;
    const oneAsNine: string[] = [];
    for (const f of faces) {
      const refs = without(f.family);
      for (const [digit, hex] of Object.entries(f.digits)) {
        const shape = fromHex(hex);
        for (const read of DIGITS) {
          if (read === digit) continue;
          pairs++;
          const drawn = digitInsteadOf(shape, read, refs);
          if (drawn !== undefined) found++;
          if (digit === '1' && read === '9' && drawn !== '1') oneAsNine.push(f.name);
        }
      }
    }
    assert.deepEqual(oneAsNine, []);
    // Measured: 97 % (the misses are look-alike pairs in a few faces: 3/8, 5/6, old-style figures).
    assert.ok(found / pairs >= 0.95, `${found} of ${pairs}`);
  });

  it('reads the outlines pdf.js builds (lines, quadratic and cubic curves)', () => {
    const square = 'M0 0L1 0L1 1L0 1Z';
    // Scaled to fit the 12 × 16 grid: a 12 × 12 block of full cells, centred.
    assert.equal(shapeOf(square)?.filter((v) => v === 15).length, 144);
    const ring = 'M0.5 0C0.78 0 1 0.22 1 0.5C1 0.78 0.78 1 0.5 1C0.22 1 0 0.78 0 0.5C0 0.22 0.22 0 0.5 0Z';
    assert.ok(shapeOf(ring)?.[0] === 0, 'a circle leaves the corners empty');
    assert.equal(contoursOf(''), undefined);
    assert.equal(shapeOf('M0 0L1 0Z'), undefined, 'a line has no area');
    const d = digitDistances(shapeOf(square)!);
    assert.deepEqual(Object.keys(d).sort(), DIGITS);
  });

  it('never throws on any path text, and gives no verdict on what it cannot read', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom(...DIGITS), (path, read) => {
        const drawn = drawnDigitInstead(path, read);
        assert.ok(drawn === undefined || /^[0-9]$/.test(drawn));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('M', 'L', 'Q', 'C', 'Z'),
            fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 6 }),
          ),
          { maxLength: 30 },
        ),
        (cmds) => {
          const path = cmds.map(([c, n]) => `${c}${n.join(' ')}`).join('');
          const shape = shapeOf(path);
          assert.ok(shape === undefined || shape.every((v) => v >= 0 && v <= 15));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The (code → text) entries of a ToUnicode CMap, ranges expanded. */
function cmapEntries(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const m of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi)) out.push([m[1]!, m[2]!]);
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const m of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(<[0-9a-f]+>|\[[^\]]*\])/gi)) {
      const lo = parseInt(m[1]!, 16);
      const hi = parseInt(m[2]!, 16);
      const dsts = m[3]!.startsWith('[')
        ? [...m[3]!.matchAll(/<([0-9a-f]+)>/gi)].map((d) => d[1]!)
        : undefined;
      for (let c = lo; c <= hi; c++) {
        const dst = dsts
          ? dsts[c - lo]!
          : (parseInt(m[3]!.slice(1, -1), 16) + (c - lo)).toString(16).padStart(m[3]!.length - 2, '0');
        out.push([c.toString(16).padStart(m[1]!.length, '0'), dst]);
      }
    }
  return out;
}

/** A real producer's extract with every `1` of its ToUnicode maps read as `9`. */
async function oneReadAsNine(file: string): Promise<Uint8Array> {
  const url = new URL(`../fixtures/producers/pdf/${file}`, import.meta.url);
  const doc = await PDFDocument.load(readFileSync(url), { updateMetadata: false });
  let edited = 0;
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    const dict = obj instanceof PDFRawStream ? obj.dict : obj;
    if (!(dict instanceof PDFDict) || dict.get(PDFName.of('Type'))?.toString() !== '/Font') continue;
    const ref = dict.get(PDFName.of('ToUnicode'));
    const stream = ref ? doc.context.lookup(ref) : undefined;
    if (!ref || !(stream instanceof PDFRawStream)) continue;
    const text = Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
    const entries = cmapEntries(text);
    if (!entries.some(([, dst]) => /^0*31$/.test(dst))) continue;
    const spoofed = entries.map(
      ([src, dst]) => `<${src}> <${/^0*31$/.test(dst) ? dst.replace(/31$/, '39') : dst}>`,
    );
    const chunks: string[] = [];
    for (let k = 0; k < spoofed.length; k += 100) {
      const part = spoofed.slice(k, k + 100);
      chunks.push(`${part.length} beginbfchar\n${part.join('\n')}\nendbfchar`);
    }
    const head = text.slice(0, text.search(/\d+\s+begin(bfchar|bfrange)/));
    const cmap = `${head}${chunks.join('\n')}\nendcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend\n`;
    doc.context.assign(ref as Parameters<typeof doc.context.assign>[0], doc.context.stream(cmap));
    edited++;
  }
  assert.ok(edited > 0, `${file}: no ToUnicode map reads a 1`);
  return doc.save({ useObjectStreams: false });
}

describe('real producers’ files whose ToUnicode map reads 1 as 9', () => {
  for (const file of [
    'lo-odt-table-centred.pdf',
    'lo-docx-table-grid-middle.pdf',
    'ch-table-zebra-body-centred.pdf',
    'wk-table-grid-centred.pdf',
    'wp-table-six-lines-zebra-twocol.pdf',
    'pandoc-docx-blocks.pdf',
  ]) {
    it(`rejects ${file} with HIDDEN_TEXT (not as a misread number)`, async () => {
      const r = await parseExtract(await oneReadAsNine(file), { now: new Date('2026-12-01T12:00:00Z') });
      assert.equal(r.ok ? 'accepted' : r.error.code, 'HIDDEN_TEXT');
    });
  }
});
