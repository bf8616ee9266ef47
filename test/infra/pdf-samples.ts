/** Small PDFs for the bundle test, made with pdf-lib. */
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';

/** Two pages of text in a standard (non-embedded) font, with accented Dutch. */
export async function twoPagePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const line of ['Rolnummer 2024/123 — uittreksel', 'Tweede pagina: één leerkrediet, café']) {
    doc.addPage([595, 842]).drawText(line, { x: 50, y: 780, size: 12, font });
  }
  return doc.save();
}

/**
 * One page whose text is set in a Type3 font with image-mask glyphs. pdf.js loads such fonts
 * even for text extraction and compiles the glyphs with `new DOMMatrix().scaleSelf(…)`, so this
 * exercises the DOMMatrix stand-in beyond its construction at module load.
 */
export async function type3Pdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const ctx = doc.context;
  const glyph = (rows: number[]) =>
    ctx.register(
      ctx.stream(new Uint8Array(rows), {
        Type: 'XObject',
        Subtype: 'Image',
        ImageMask: true,
        Width: 8,
        Height: 8,
        BitsPerComponent: 1,
        Decode: [1, 0],
      }),
    );
  const charProc = (image: string) =>
    ctx.register(ctx.stream(`8 0 0 0 8 8 d1 q 8 0 0 8 0 0 cm /${image} Do Q`));
  const font = ctx.register(
    ctx.obj({
      Type: 'Font',
      Subtype: 'Type3',
      FontBBox: [0, 0, 8, 8],
      FontMatrix: [0.125, 0, 0, 0.125, 0, 0],
      CharProcs: { A: charProc('ImA'), B: charProc('ImB') },
      Encoding: { Type: 'Encoding', Differences: [65, PDFName.of('A'), PDFName.of('B')] },
      FirstChar: 65,
      LastChar: 66,
      Widths: [8, 8],
      Resources: {
        XObject: {
          ImA: glyph([0x18, 0x24, 0x42, 0x7e, 0x42, 0x42, 0x42, 0x00]),
          ImB: glyph([0x7c, 0x42, 0x42, 0x7c, 0x42, 0x42, 0x7c, 0x00]),
        },
      },
    }),
  );
  const page = doc.addPage([300, 300]);
  page.node.setFontDictionary(PDFName.of('T3'), font);
  page.node.set(PDFName.of('Contents'), ctx.register(ctx.stream('BT /T3 24 Tf 20 200 Td (ABBA) Tj ET')));
  return doc.save({ useObjectStreams: false });
}
