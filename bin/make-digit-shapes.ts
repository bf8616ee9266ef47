/**
 * Makes `shared/adapters/pdf/digit-shapes.json`: the coverage grids of the digits 0–9 in the
 * typefaces that documents are commonly set in, which the PDF reader compares a digit glyph's
 * outline with (shared/adapters/pdf/glyph-shape.ts). Run on a machine with the Debian font
 * packages listed below; the output is committed, so neither CI nor the product needs them.
 *
 *   apt-get install fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-liberation2 \
 *     fonts-urw-base35 fonts-crosextra-carlito fonts-crosextra-caladea fonts-noto-core \
 *     fonts-roboto-unhinted fonts-open-sans fonts-freefont-ttf fonts-linuxlibertine fonts-lato \
 *     fonts-ebgaramond fonts-cantarell
 *   node --import tsx bin/make-digit-shapes.ts
 */
import fontkit from '@pdf-lib/fontkit';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRID_H, GRID_W, shapeHex, shapeOf } from '../shared/adapters/pdf/glyph-shape.js';

const ROOT = '/usr/share/fonts';
/** File names (without extension) of the faces used; regular, bold, italic and bold italic. */
export const FACES = [
  'DejaVuSans',
  'DejaVuSans-Bold',
  'DejaVuSans-Oblique',
  'DejaVuSansCondensed',
  'DejaVuSerif',
  'DejaVuSerif-Bold',
  'DejaVuSerif-Italic',
  'DejaVuSansMono',
  'DejaVuSansMono-Bold',
  'LiberationSans-Regular',
  'LiberationSans-Bold',
  'LiberationSans-Italic',
  'LiberationSerif-Regular',
  'LiberationSerif-Bold',
  'LiberationSerif-Italic',
  'LiberationMono-Regular',
  'LiberationMono-Bold',
  'LiberationSansNarrow-Regular',
  'NimbusRoman-Regular',
  'NimbusRoman-Bold',
  'NimbusRoman-Italic',
  'NimbusSans-Regular',
  'NimbusSans-Bold',
  'NimbusSans-Italic',
  'NimbusMonoPS-Regular',
  'NimbusMonoPS-Bold',
  'C059-Roman',
  'C059-Bold',
  'C059-Italic',
  'P052-Roman',
  'P052-Bold',
  'P052-Italic',
  'URWBookman-Light',
  'URWBookman-Demi',
  'URWGothic-Book',
  'URWGothic-Demi',
  'Carlito-Regular',
  'Carlito-Bold',
  'Carlito-Italic',
  'Caladea-Regular',
  'Caladea-Bold',
  'Caladea-Italic',
  'NotoSans-Regular',
  'NotoSans-Bold',
  'NotoSans-Italic',
  'NotoSerif-Regular',
  'NotoSerif-Bold',
  'NotoSerif-Italic',
  'NotoSansMono-Regular',
  'Roboto-Regular',
  'Roboto-Bold',
  'Roboto-Italic',
  'OpenSans-Regular',
  'OpenSans-Bold',
  'OpenSans-Italic',
  'FreeSans',
  'FreeSansBold',
  'FreeSerif',
  'FreeSerifBold',
  'FreeSerifItalic',
  'FreeMono',
  'LinLibertine_R',
  'LinLibertine_RB',
  'LinBiolinum_R',
  'Lato-Regular',
  'Lato-Bold',
  'Lato-Italic',
  'EBGaramond12-Regular',
  'Cantarell-Regular',
  'Cantarell-Bold',
];

function fontFiles(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) fontFiles(path, out);
    else {
      const m = /^(.*)\.(ttf|otf)$/i.exec(name);
      if (m && !out.has(m[1]!)) out.set(m[1]!, path);
    }
  }
  return out;
}

const files = fontFiles(ROOT);
const faces: { name: string; family: string; digits: Record<string, string> }[] = [];
const missing: string[] = [];
for (const face of FACES) {
  const file = files.get(face);
  if (!file) {
    missing.push(face);
    continue;
  }
  const font = fontkit.create(readFileSync(file)) as unknown as {
    familyName: string;
    glyphForCodePoint(c: number): { path: { toSVG(): string } };
  };
  const digits: Record<string, string> = {};
  for (const d of '0123456789') {
    const shape = shapeOf(font.glyphForCodePoint(d.codePointAt(0)!).path.toSVG());
    if (shape) digits[d] = shapeHex(shape);
  }
  faces.push({ name: face, family: font.familyName, digits });
}
if (missing.length) console.error(`not found (install the packages above): ${missing.join(', ')}`);
const out = new URL('../shared/adapters/pdf/digit-shapes.json', import.meta.url);
writeFileSync(out, JSON.stringify({ grid: [GRID_W, GRID_H], faces }) + '\n');
console.log(`${faces.length} faces written to ${out.pathname}`);
