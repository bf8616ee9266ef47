/**
 * Byte-level mutations of PDF files for the fuzz tests (bytes flipped, truncated, objects
 * removed or duplicated), and a deliberately plain PDF writer — uncompressed content, one text
 * object per line, a classic cross-reference table — so that mutations reach the text itself
 * (a flipped digit inside `(27) Tj`) and not only a compressed stream.
 */
import fc from 'fast-check';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const fromLatin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

/** PDF string literal for WinAnsi text (the characters of the plain fixtures). */
function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

/** An uncompressed one-page PDF with each line of `text` as its own text object (Helvetica 10 pt). */
export function plainPdf(text: string): Uint8Array {
  const lines = text.split('\n');
  const content = lines
    .map((line, i) => (line.trim() ? `BT /F1 10 Tf 50 ${800 - 14 * i} Td ${pdfString(line)} Tj ET` : ''))
    .filter(Boolean)
    .join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Producer (ruling-intake reliability fixture) >>',
  ];
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return fromLatin1(out);
}

export type PdfMutation =
  | { readonly kind: 'flip'; readonly at: number; readonly value: number }
  | { readonly kind: 'flip-digit'; readonly nth: number; readonly digit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'remove-object'; readonly nth: number }
  | { readonly kind: 'duplicate-object'; readonly nth: number }
  | { readonly kind: 'cut'; readonly at: number; readonly length: number };

/** Byte ranges of the indirect objects (`n g obj … endobj`). */
function objectSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  const re = /\d+\s+\d+\s+obj\b[\s\S]*?\bendobj\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** Applies one mutation; positions are taken modulo the size, so any number is a valid argument. */
export function mutatePdf(bytes: Uint8Array, m: PdfMutation): Uint8Array {
  const n = bytes.length;
  if (n === 0) return bytes;
  switch (m.kind) {
    case 'flip': {
      const out = new Uint8Array(bytes);
      out[m.at % n] = m.value & 0xff;
      return out;
    }
    case 'flip-digit': {
      // A digit of the file (in text, offsets, numbers) replaced by another digit.
      const digits: number[] = [];
      for (let i = 0; i < n; i++) if (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) digits.push(i);
      if (!digits.length) return bytes;
      const out = new Uint8Array(bytes);
      out[digits[m.nth % digits.length]!] = 0x30 + (m.digit % 10);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, m.at % n);
    case 'cut': {
      const at = m.at % n;
      return new Uint8Array([...bytes.slice(0, at), ...bytes.slice(Math.min(n, at + m.length))]);
    }
    case 'remove-object':
    case 'duplicate-object': {
      const text = latin1(bytes);
      const spans = objectSpans(text);
      if (!spans.length) return bytes;
      const [a, b] = spans[m.nth % spans.length]!;
      return m.kind === 'remove-object'
        ? fromLatin1(text.slice(0, a) + text.slice(b))
        : fromLatin1(text.slice(0, b) + '\n' + text.slice(a, b) + text.slice(b));
    }
  }
}

export function arbPdfMutation(): fc.Arbitrary<PdfMutation> {
  const pos = fc.nat({ max: 1_000_000 });
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('flip' as const), at: pos, value: fc.nat({ max: 255 }) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('flip-digit' as const), nth: pos, digit: fc.nat({ max: 9 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: pos }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('cut' as const),
        at: pos,
        length: fc.integer({ min: 1, max: 64 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove-object' as const), nth: pos }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-object' as const), nth: pos }) },
  );
}

/** One to three mutations applied in order. */
export function arbPdfMutations(): fc.Arbitrary<PdfMutation[]> {
  return fc.array(arbPdfMutation(), { minLength: 1, maxLength: 3 });
}
