/**
 * Deterministic work limits checked on the file's bytes before pdf.js sees them (docs:
 * extract-format, `PDF_TOO_COMPLEX`): how many objects the file declares and how many bytes its
 * Flate streams decode to. A flate bomb (a few hundred KiB that inflate to gigabytes) would
 * otherwise be decoded by pdf.js into memory outside the worker's heap limit. Each stream is
 * inflated with a cap of what is left of the budget, so the check itself never holds more.
 *
 * The same file always gives the same answer, on any machine and under any load.
 */
import { constants, inflateSync } from 'node:zlib';

export const BYTE_LIMITS = {
  /** Objects in the file (direct and in object streams); an extract has a few hundred. */
  maxObjects: 50_000,
  /** Bytes all Flate streams decode to together; a 5-page scan at 300 dpi in grey: ~45 MiB. */
  maxDecodedBytes: 96 * 1024 * 1024,
  /** Operators in all content streams (an extract page holds a few thousand). */
  maxOperators: 150_000,
  /**
   * Nesting of graphics states (`q`) in one content stream; producers stay under 30. pdf.js's
   * evaluator is quadratic in it: 40,000 nested `q` (80 KB) take it 25 s of CPU.
   */
  maxDepth: 200,
} as const;

export interface ByteCount {
  readonly objects: number;
  readonly decodedBytes: number;
  readonly operators: number;
}

type Limits = { readonly [K in keyof typeof BYTE_LIMITS]: number };
type Exceeded = 'objects' | 'decoded bytes' | 'operators' | 'nesting';

/** Streams that are not content (fonts, images, metadata, cross-reference and object streams). */
const NOT_CONTENT =
  /\/Subtype\s*\/Image|\/Length[123]\b|\/Type\s*\/(?:XRef|ObjStm|Metadata|EmbeddedFile)|\/Subtype\s*\/(?:Type1C|CIDFontType0C|OpenType|XML)/;

/** Operators of a content stream, and the deepest `q` nesting; stops counting past the limits. */
function countOperators(
  content: string,
  limits: Limits,
  before: number,
): { ops: number; exceeded?: Exceeded } {
  let ops = 0;
  let depth = 0;
  const tokenRe = /[^\s()<>[\]{}/%]+/g;
  let t: RegExpExecArray | null;
  while ((t = tokenRe.exec(content))) {
    const tok = t[0];
    if (!/^[A-Za-z'"][A-Za-z*'"0-9]{0,2}$/.test(tok)) continue;
    ops++;
    if (tok === 'q' && ++depth > limits.maxDepth) return { ops, exceeded: 'nesting' };
    if (tok === 'Q') depth = Math.max(0, depth - 1);
    if (before + ops > limits.maxOperators) return { ops, exceeded: 'operators' };
  }
  return { ops };
}

const latin1 = new TextDecoder('latin1');

/**
 * Counts objects and decoded Flate bytes; returns what was counted, or the name of the limit
 * exceeded. `limits` for tests.
 */
export function countWork(
  bytes: Uint8Array,
  limits: Limits = BYTE_LIMITS,
): ByteCount | { readonly exceeded: Exceeded } {
  const text = latin1.decode(bytes);
  let objects = 0;
  const objRe = /\d+\s+\d+\s+obj\b/g;
  while (objRe.exec(text)) {
    if (++objects > limits.maxObjects) return { exceeded: 'objects' };
  }
  let decoded = 0;
  let operators = 0;
  /** Form XObjects by object number: own operators, `Do` count, the XObjects its resources name. */
  const forms = new Map<number, { ops: number; draws: number; refs: number[] }>();
  const streamRe = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = streamRe.exec(text))) {
    if (text.slice(Math.max(0, m.index - 3), m.index) === 'end') continue;
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    const dict = text.slice(Math.max(0, m.index - 600), m.index);
    const open = dict.lastIndexOf('obj');
    const head = open >= 0 ? dict.slice(open) : dict;
    streamRe.lastIndex = end + 9;
    const n = /\/Type\s*\/ObjStm/.test(head) ? Number(/\/N\s+(\d+)/.exec(head)?.[1] ?? 0) : 0;
    objects += n;
    if (objects > limits.maxObjects) return { exceeded: 'objects' };
    const content = !NOT_CONTENT.test(head);
    const filtered = /\/Filter\b/.test(head);
    const num = Number([...dict.matchAll(/(\d+)\s+\d+\s+obj\b/g)].pop()?.[1] ?? -1);
    const form = /\/Subtype\s*\/Form/.test(head) ? formOf(head) : undefined;
    const noteForm = (body: string, ops: number): void => {
      if (form && num >= 0) forms.set(num, { ops, draws: (body.match(/\bDo\b/g) ?? []).length, refs: form });
    };
    if (content && !filtered) {
      const body = text.slice(start, end);
      const counted = countOperators(body, limits, operators);
      if (counted.exceeded) return { exceeded: counted.exceeded };
      operators += counted.ops;
      noteForm(body, counted.ops);
    }
    if (!/\/FlateDecode|\/Fl\b/.test(head)) continue;
    const left = limits.maxDecodedBytes - decoded;
    try {
      const out = inflateSync(bytes.subarray(start, end), {
        maxOutputLength: left + 1,
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      decoded += out.byteLength;
      if (content && decoded <= limits.maxDecodedBytes) {
        const body = latin1.decode(out);
        const counted = countOperators(body, limits, operators);
        if (counted.exceeded) return { exceeded: counted.exceeded };
        operators += counted.ops;
        noteForm(body, counted.ops);
      }
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        return { exceeded: 'decoded bytes' };
      }
      // A stream zlib cannot read is pdf.js's to judge (damaged or another first filter).
    }
    if (decoded > limits.maxDecodedBytes) return { exceeded: 'decoded bytes' };
  }
  // A form drawn N times is evaluated N times: a form bomb (forms drawing forms, ten times each,
  // seven deep) is 10⁷ draws from a few hundred bytes. Bound each form's expansion.
  const expanded = new Map<number, number>();
  const expand = (n: number, seen: Set<number>): number => {
    const known = expanded.get(n);
    if (known !== undefined) return known;
    const f = forms.get(n);
    if (!f || seen.has(n)) return 0;
    seen.add(n);
    const inner = Math.max(0, ...f.refs.map((r) => expand(r, seen)));
    seen.delete(n);
    const total = Math.min(Number.MAX_SAFE_INTEGER, f.ops + f.draws * inner);
    expanded.set(n, total);
    return total;
  };
  for (const n of forms.keys()) {
    if (expand(n, new Set()) > limits.maxOperators) return { exceeded: 'operators' };
  }
  return { objects, decodedBytes: decoded, operators };
}

/** The object numbers a form's own resources name as XObjects (inline `/XObject << … >>`). */
function formOf(head: string): number[] {
  const xo = /\/XObject\s*<<([^>]*)>>/.exec(head)?.[1] ?? '';
  return [...xo.matchAll(/(\d+)\s+\d+\s+R/g)].map((m) => Number(m[1]));
}
