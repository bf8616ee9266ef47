/**
 * An independent oracle for the fuzz tests: what an extract's text says, read by the rules of
 * docs/extract-format.md alone — not by the parser's code.
 *
 * An extract is modelled as printed lines (`Printed`): headings, labelled values, and lines
 * without a label. The generator builds a valid extract from the fixtures' arbitraries, mutations
 * change the lines (a label dropped, a label line duplicated with the same or another value, a
 * number altered), and `oracleReading` says what the lines unambiguously mean — an `Extract`, or
 * `undefined` when no reading may be accepted (a required label missing, a field given twice
 * with different values, a value breaking its rule). `render` prints the lines with noise that
 * the format says must not change the reading (label case, colons, spacing, non-breaking and
 * other Unicode spaces, zero-width characters and soft hyphens, full-width digits, ligatures,
 * decomposed accents, values on the next line, wrapped values, CRLF).
 *
 * The property the fuzz tests check is one-sided: when the parser accepts, its reading equals
 * the oracle's (and the oracle has one). The parser may reject more than the oracle: it applies
 * rules the format leaves open (birth dates in national numbers, number lengths), and it rejects
 * a credit-line label given twice even with the same value.
 */
import fc from 'fast-check';
import type { CreditLine, Extract } from '../../shared/domain/types.js';
import {
  GIVEN_NAMES,
  GRANTED_DECISIONS,
  PROGRAMMES,
  SURNAMES,
  arbExtractSpec,
} from '../fixtures/arbitraries.js';
import {
  DUTCH_MONTHS,
  INSTITUTIONS,
  formatNationalNumber,
  hasValidCheckDigits,
  lookupInstitution,
  makeNationalNumber,
  type ExtractSpec,
} from '../fixtures/extract-pdf.js';

export type IdKey =
  | 'rulingNumber'
  | 'docket'
  | 'rulingDate'
  | 'decision'
  | 'surname'
  | 'givenNames'
  | 'address'
  | 'nationalNumber';
export type TotalKey = 'totalRequested' | 'totalReturned';
export type LineKey = 'academicYear' | 'institution' | 'programme' | 'requested' | 'returned';
export type Key = IdKey | TotalKey | LineKey;

export type Printed =
  | { readonly kind: 'heading'; readonly text: string }
  | { readonly kind: 'label'; readonly key: Key; readonly value: string }
  | { readonly kind: 'text'; readonly text: string }
  /** A line of a PDF's text that holds a field no one can read (see `printedFromText`). */
  | { readonly kind: 'garbled'; readonly text: string };

const LINE_KEYS: readonly LineKey[] = ['academicYear', 'institution', 'programme', 'requested', 'returned'];
const TOTAL_KEYS: readonly TotalKey[] = ['totalRequested', 'totalReturned'];
const isLineKey = (k: Key): k is LineKey => (LINE_KEYS as readonly string[]).includes(k);
const isTotalKey = (k: Key): k is TotalKey => (TOTAL_KEYS as readonly string[]).includes(k);

/** The format's labels (first: the template's, then the accepted alternatives). */
export const LABEL_TEXTS: Readonly<Record<Key, readonly string[]>> = {
  rulingNumber: ['Arrest nr.'],
  docket: ['Rolnummer'],
  rulingDate: ['Datum van het arrest'],
  decision: ['Beslissing'],
  surname: ['Naam'],
  givenNames: ['Voornamen', 'Voornaam'],
  address: ['Adres'],
  nationalNumber: ['Rijksregisternummer', 'INSZ', 'Rijksregisternr.'],
  academicYear: ['Academiejaar'],
  institution: ['Instelling'],
  programme: ['Opleiding'],
  requested: ['Studiepunten teruggevraagd'],
  returned: ['Studiepunten teruggegeven'],
  totalRequested: ['Totaal studiepunten teruggevraagd'],
  totalReturned: ['Totaal studiepunten teruggegeven'],
};

/** The template's headings and closing formula (they carry no value and end a wrapped one). */
export const HEADINGS = [
  'Raad voor betwistingen inzake studievoortgangsbeslissingen',
  'UITTREKSEL UIT HET ARREST',
  'mededeling aan AHOVOKS (artikel 112/24 procedurebesluit)',
  'Verzoekende partij',
  'Aanpassing leerkrediet',
  'Voor eensluidend uittreksel, de griffier',
] as const;

/** Values that may wrap onto the next lines ("a value that wraps: the continuation line is the next line that is not a label"). */
const WRAPS: ReadonlySet<Key> = new Set<Key>([
  'decision',
  'surname',
  'givenNames',
  'address',
  'institution',
  'programme',
]);

// ── building the printed lines ──────────────────────────────────────────────────────────────

/** The printed lines of a spec in the labelled-block layout of the format's example. */
export function printedFromSpec(spec: ExtractSpec, idOrder: readonly IdKey[]): Printed[] {
  const out: Printed[] = [
    { kind: 'heading', text: HEADINGS[0] },
    { kind: 'heading', text: HEADINGS[1] },
    { kind: 'heading', text: HEADINGS[2] },
    { kind: 'label', key: 'rulingNumber', value: spec.rulingNumberText },
    { kind: 'label', key: 'docket', value: spec.docketText },
    { kind: 'label', key: 'rulingDate', value: spec.dateText },
    { kind: 'label', key: 'decision', value: spec.decisionText },
    { kind: 'heading', text: HEADINGS[3] },
  ];
  const id: Record<string, string> = {
    surname: spec.surname,
    givenNames: spec.givenNames,
    address: spec.address,
    nationalNumber: spec.nationalNumberText,
  };
  for (const k of idOrder) out.push({ kind: 'label', key: k, value: id[k]! });
  out.push({ kind: 'heading', text: HEADINGS[4] });
  for (const l of spec.lines) {
    out.push(
      { kind: 'label', key: 'academicYear', value: l.academicYearText },
      { kind: 'label', key: 'institution', value: l.institutionText },
      { kind: 'label', key: 'programme', value: l.programme },
      { kind: 'label', key: 'requested', value: String(l.requested) },
      { kind: 'label', key: 'returned', value: String(l.returned) },
    );
  }
  if (spec.totals !== 'absent') {
    out.push(
      {
        kind: 'label',
        key: 'totalRequested',
        value: String(spec.lines.reduce((n, l) => n + l.requested, 0)),
      },
      { kind: 'label', key: 'totalReturned', value: String(spec.lines.reduce((n, l) => n + l.returned, 0)) },
    );
  }
  out.push({ kind: 'heading', text: HEADINGS[5] });
  return out;
}

// ── mutations ───────────────────────────────────────────────────────────────────────────────

export type Mutation =
  | { readonly kind: 'drop-label'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly other: number | undefined }
  | {
      readonly kind: 'alter-digit';
      readonly at: number;
      readonly pos: number;
      readonly op: 'set' | 'insert' | 'delete';
      readonly digit: number;
    };

/** Another value for a field: one that differs from `value` (used for conflicting duplicates). */
function otherValue(key: Key, value: string, pick: number): string {
  const choose = (xs: readonly string[]): string => {
    const options = xs.filter((x) => norm(x) !== norm(value));
    return options[pick % options.length]!;
  };
  switch (key) {
    case 'rulingNumber':
      return String(1 + ((Number(value.replace(/\D/g, '')) + 1 + pick) % 99_999));
    case 'docket':
      return `20${10 + (pick % 15)}/${String(1 + (pick % 9999)).padStart(4, '0')}`;
    case 'rulingDate':
      return `${1 + (pick % 28)}/0${1 + (pick % 9)}/20${10 + (pick % 14)}`;
    case 'decision':
      return choose(GRANTED_DECISIONS);
    case 'surname':
      return choose(SURNAMES);
    case 'givenNames':
      return choose(GIVEN_NAMES);
    case 'address':
      return `Andere straat ${1 + (pick % 200)}, 8000 Brugge`;
    case 'nationalNumber':
      return formatNationalNumber(
        makeNationalNumber({
          birthDate: `19${70 + (pick % 30)}-0${1 + (pick % 9)}-1${pick % 10}`,
          sequence: 1 + (pick % 997),
        }),
      );
    case 'academicYear':
      return `${2009 + (pick % 15)}-${2010 + (pick % 15)}`;
    case 'institution':
      return choose(INSTITUTIONS.map((i) => i.name));
    case 'programme':
      return choose(PROGRAMMES);
    case 'requested':
    case 'returned':
    case 'totalRequested':
    case 'totalReturned':
      return String(Number(value) + 1 + (pick % 5));
  }
}

/** Applies one mutation; positions are taken modulo what exists, so any numbers are valid. */
export function mutate(lines: readonly Printed[], m: Mutation): Printed[] {
  const labelled = lines.flatMap((l, i) => (l.kind === 'label' ? [i] : []));
  if (!labelled.length) return [...lines];
  const at = labelled[m.at % labelled.length]!;
  const line = lines[at] as { readonly kind: 'label'; readonly key: Key; readonly value: string };
  const out = [...lines];
  switch (m.kind) {
    case 'drop-label':
      out[at] = { kind: 'text', text: line.value };
      return out;
    case 'duplicate':
      out.splice(at + 1, 0, {
        kind: 'label',
        key: line.key,
        value: m.other === undefined ? line.value : otherValue(line.key, line.value, m.other),
      });
      return out;
    case 'alter-digit': {
      const digits = [...line.value].flatMap((c, i) => (/\d/.test(c) ? [i] : []));
      if (!digits.length) return out;
      const i = digits[m.pos % digits.length]!;
      const d = String(m.digit % 10);
      const v = line.value;
      const value =
        m.op === 'set'
          ? v.slice(0, i) + d + v.slice(i + 1)
          : m.op === 'insert'
            ? v.slice(0, i) + d + v.slice(i)
            : v.slice(0, i) + v.slice(i + 1);
      out[at] = { kind: 'label', key: line.key, value };
      return out;
    }
  }
}

export function arbMutation(): fc.Arbitrary<Mutation> {
  const n = fc.nat({ max: 10_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('drop-label' as const), at: n }),
    fc.record({ kind: fc.constant('duplicate' as const), at: n, other: fc.option(n, { nil: undefined }) }),
    fc.record({
      kind: fc.constant('alter-digit' as const),
      at: n,
      pos: n,
      op: fc.constantFrom('set' as const, 'insert' as const, 'delete' as const),
      digit: fc.nat({ max: 9 }),
    }),
  );
}

/** A valid extract's printed lines (identification fields in any order). */
export function arbPrinted(today: Date): fc.Arbitrary<{ spec: ExtractSpec; lines: Printed[] }> {
  return fc
    .tuple(
      arbExtractSpec(today),
      fc.shuffledSubarray<IdKey>(['surname', 'givenNames', 'address', 'nationalNumber'], {
        minLength: 4,
        maxLength: 4,
      }),
    )
    .map(([spec, order]) => ({ spec, lines: printedFromSpec(spec, order) }));
}

// ── the oracle ──────────────────────────────────────────────────────────────────────────────

/** Compatibility forms, soft hyphens and zero-width characters folded, spaces collapsed. */
export function clean(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\u00ad\u200b\u2060\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
const norm = (s: string): string => clean(s).toLocaleLowerCase('nl');

function calendar(y: number, m: number, d: number): string | undefined {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return undefined;
  return t.toISOString().slice(0, 10);
}

/** Today in Brussels (the registry's calendar). */
export function brusselsDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(now);
}

/** A ruling date in one of the format's forms, day first; `undefined` when it is not one. */
function readDate(text: string, now: Date): string | undefined {
  const t = clean(text).toLowerCase();
  let m = /^(\d{1,2}) (\p{L}+) (\d{4})$/u.exec(t);
  let iso: string | undefined;
  if (m) {
    // The month names are the fixtures' list: the language's twelve names, not a reading of the
    // format. The parser keeps its own list, so a wrong or misplaced name in this one still fails
    // the fuzz tests (an unmutated extract rejected, or read with another date).
    const month = DUTCH_MONTHS.indexOf(m[2]!) + 1;
    iso = month ? calendar(Number(m[3]), month, Number(m[1])) : undefined;
  } else if ((m = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/.exec(t))) {
    iso = calendar(Number(m[4]), Number(m[3]), Number(m[1]));
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
    iso = calendar(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  if (!iso || iso < '2008-09-01' || iso > brusselsDate(now)) return undefined;
  return iso;
}

const NAME = /^[\p{L}\p{M}][\p{L}\p{M}'’ .-]*$/u;

/**
 * What the printed lines unambiguously say, or `undefined` when the format allows no reading.
 * Lines without a label continue a wrapping value above them (decision, names, address,
 * institution, programme) and are otherwise text outside the fields; headings end a value.
 */
export function oracleReading(lines: readonly Printed[], now: Date): Extract | undefined {
  const id = new Map<IdKey | TotalKey, string[]>();
  const credit: Map<LineKey, string[]>[] = [];
  let current: { key: Key; parts: string[] } | undefined;
  const values: { key: Key; parts: string[]; line?: number }[] = [];
  for (const l of lines) {
    if (l.kind === 'garbled') return undefined;
    if (l.kind === 'heading') {
      current = undefined;
      continue;
    }
    if (l.kind === 'text') {
      if (current && WRAPS.has(current.key)) current.parts.push(l.text);
      continue;
    }
    if (l.key === 'academicYear') credit.push(new Map());
    current = { key: l.key, parts: [l.value] };
    if (isLineKey(l.key)) {
      if (!credit.length) return undefined; // a credit-line field before any Academiejaar
      values.push({ ...current, line: credit.length - 1 });
    } else values.push(current);
  }
  for (const v of values) {
    const text = clean(v.parts.join(' '));
    if (v.line !== undefined) {
      const m = credit[v.line]!;
      m.set(v.key as LineKey, [...(m.get(v.key as LineKey) ?? []), text]);
    } else id.set(v.key as IdKey | TotalKey, [...(id.get(v.key as IdKey | TotalKey) ?? []), text]);
  }
  // One value per field: given twice with different values is ambiguous.
  const single = (k: IdKey): string | undefined => {
    const vs = (id.get(k) ?? []).filter((v) => v !== '');
    if (!vs.length || new Set(vs.map((v) => v.toLocaleLowerCase('nl'))).size > 1) return undefined;
    return vs[0];
  };

  const rulingText = single('rulingNumber');
  if (!rulingText || !/^(?:\d{1,3}(?:\.\d{3})+|\d+)$/.test(rulingText)) return undefined;
  const docket = single('docket')?.replace(/\s/g, '');
  if (!docket || !/^\d{4}\/\d{1,5}$/.test(docket)) return undefined;
  const dateText = single('rulingDate');
  const rulingDate = dateText === undefined ? undefined : readDate(dateText, now);
  if (!rulingDate) return undefined;
  const decision = single('decision');
  if (
    !decision ||
    !/\bingewilligd\b/i.test(decision) ||
    /\b(verworpen|onontvankelijk|zonder voorwerp)\b/i.test(decision)
  )
    return undefined;
  const surname = single('surname')?.normalize('NFC');
  const givenNames = single('givenNames')?.normalize('NFC');
  if (!surname || !givenNames || !NAME.test(surname) || !NAME.test(givenNames)) return undefined;
  const address = single('address')?.normalize('NFC');
  if (!address) return undefined;
  const nnText = single('nationalNumber');
  if (!nnText || !/^[\d.\- ]+$/.test(nnText)) return undefined;
  const nationalNumber = nnText.replace(/\D/g, '');
  if (!hasValidCheckDigits(nationalNumber)) return undefined;

  if (credit.length < 1 || credit.length > 10) return undefined;
  const currentYear = Number(brusselsDate(now).slice(0, 4));
  const creditLines: CreditLine[] = [];
  for (const m of credit) {
    const one = (k: LineKey): string | undefined => {
      const vs = m.get(k) ?? [];
      return vs.length === 1 && vs[0] !== '' ? vs[0] : undefined; // a credit-line label twice: no reading
    };
    const year = /^(\d{4})\s*[-–/]\s*(\d{4})$/.exec(one('academicYear') ?? '');
    if (
      !year ||
      Number(year[2]) !== Number(year[1]) + 1 ||
      Number(year[1]) < 2008 ||
      Number(year[1]) > currentYear
    )
      return undefined;
    const institutionText = one('institution');
    const institution = institutionText === undefined ? undefined : lookupInstitution(institutionText);
    const programme = one('programme');
    const req = one('requested');
    const ret = one('returned');
    if (!institution || !programme || !req || !ret || !/^\d+$/.test(req) || !/^\d+$/.test(ret))
      return undefined;
    const requested = Number(req);
    const returned = Number(ret);
    if (requested < 1 || requested > 180 || returned > requested) return undefined;
    creditLines.push({ academicYear: `${year[1]}-${year[2]}`, institution, programme, requested, returned });
  }
  for (const [k, field] of [
    ['totalRequested', 'requested'],
    ['totalReturned', 'returned'],
  ] as const) {
    const sum = creditLines.reduce((n, l) => n + l[field], 0);
    for (const v of id.get(k) ?? []) if (!/^\d+$/.test(v) || Number(v) !== sum) return undefined;
  }
  return {
    rulingNumber: rulingText.replace(/\./g, ''),
    docket,
    rulingDate,
    decision,
    surname,
    givenNames,
    address,
    nationalNumber,
    lines: creditLines,
  };
}

// ── printing with noise ─────────────────────────────────────────────────────────────────────

/** How one printed line is rendered (none of it may change the reading). */
export interface LineNoise {
  readonly labelCase: 'as-is' | 'upper' | 'lower';
  readonly alternative: number;
  readonly colon: boolean;
  readonly gap: ' ' | '  ' | '\t' | '\u00a0' | ' \u00a0 ';
  readonly nextLine: boolean;
  readonly wrapAt: number | undefined;
  readonly spaces: 'plain' | 'nbsp' | 'unicode' | 'double';
  readonly zeroWidth: number | undefined;
  readonly fullWidthDigits: boolean;
  readonly ligatures: boolean;
  readonly decomposed: boolean;
  readonly trailing: '' | ' ' | '\t';
  readonly blankBefore: boolean;
}

export function arbLineNoise(): fc.Arbitrary<LineNoise> {
  return fc.record({
    labelCase: fc.constantFrom('as-is' as const, 'as-is' as const, 'upper' as const, 'lower' as const),
    alternative: fc.nat({ max: 2 }),
    colon: fc.boolean(),
    gap: fc.constantFrom(' ' as const, '  ' as const, '\t' as const, '\u00a0' as const, ' \u00a0 ' as const),
    nextLine: fc.boolean(),
    wrapAt: fc.option(fc.nat({ max: 20 }), { nil: undefined, freq: 3 }),
    spaces: fc.constantFrom(
      'plain' as const,
      'plain' as const,
      'nbsp' as const,
      'unicode' as const,
      'double' as const,
    ),
    zeroWidth: fc.option(fc.nat({ max: 200 }), { nil: undefined, freq: 3 }),
    fullWidthDigits: fc.boolean(),
    ligatures: fc.boolean(),
    decomposed: fc.boolean(),
    trailing: fc.constantFrom('' as const, ' ' as const, '\t' as const),
    blankBefore: fc.boolean(),
  });
}

const ZERO_WIDTH = ['\u200b', '\u2060', '\ufeff', '\u00ad'];
const FREE_TEXT: ReadonlySet<Key> = new Set<Key>(['decision', 'programme', 'institution', 'address']);

/** A continuation line must not read as a label or a heading, nor be a bare date. */
function safeContinuation(text: string): boolean {
  const l = norm(text);
  const starts = [...Object.values(LABEL_TEXTS).flat(), ...HEADINGS, 'de griffier'].map(norm);
  return !starts.some((s) => l.startsWith(s.split(' ')[0]!)) && !/\d/.test(l);
}

function noisyValue(key: Key, value: string, n: LineNoise): string {
  let v = value;
  if (n.decomposed) v = v.normalize('NFD');
  if (n.ligatures && FREE_TEXT.has(key)) v = v.replace(/fi/g, '\ufb01').replace(/fl/g, '\ufb02');
  if (n.fullWidthDigits) v = v.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  if (n.spaces === 'nbsp') v = v.replace(/ /g, '\u00a0');
  else if (n.spaces === 'unicode')
    v = v.replace(/ /g, (_, i: number) => ['\u2002', '\u2009', '\u202f', '\u3000'][i % 4]!);
  else if (n.spaces === 'double') v = v.replace(/ /g, '  ');
  if (n.zeroWidth !== undefined && v.length > 1) {
    const at = 1 + (n.zeroWidth % (v.length - 1));
    // Only inside a run of letters or digits, where it can join nothing that was apart.
    if (/[\p{L}\p{N}]/u.test(v[at - 1]!) && /[\p{L}\p{N}]/u.test(v[at]!))
      v = v.slice(0, at) + ZERO_WIDTH[n.zeroWidth % ZERO_WIDTH.length] + v.slice(at);
  }
  return v;
}

function labelText(key: Key, n: LineNoise): string {
  const options = LABEL_TEXTS[key];
  const t = options[n.alternative % options.length]!;
  return n.labelCase === 'upper' ? t.toUpperCase() : n.labelCase === 'lower' ? t.toLowerCase() : t;
}

/** Prints the lines with per-line noise (`noise[i]` for line `i`, cycling) and a line ending. */
export function render(lines: readonly Printed[], noise: readonly LineNoise[], crlf: boolean): string {
  const out: string[] = [];
  lines.forEach((l, i) => {
    const n = noise[i % noise.length]!;
    if (n.blankBefore) out.push('');
    if (l.kind === 'heading') {
      out.push(l.text + n.trailing);
      return;
    }
    const value = l.kind === 'label' ? l.value : l.text;
    let shown = noisyValue(l.kind === 'label' ? l.key : 'address', value, n);
    // A wrapping value may continue on the next line (never a label, a heading or a date).
    let continuation: string | undefined;
    if (l.kind === 'label' && WRAPS.has(l.key) && n.wrapAt !== undefined) {
      const spaces = [...value.matchAll(/ /g)].map((m) => m.index);
      const cut = spaces[n.wrapAt % Math.max(1, spaces.length)];
      if (cut !== undefined && safeContinuation(value.slice(cut + 1))) {
        shown = noisyValue(l.key, value.slice(0, cut), n);
        continuation = noisyValue(l.key, value.slice(cut + 1), n);
      }
    }
    if (l.kind !== 'label') {
      out.push(shown + n.trailing);
      return;
    }
    const label = labelText(l.key, n) + (n.colon ? ':' : '');
    // The value alone on the next line: only when it cannot read as a label itself.
    if (n.nextLine && safeContinuation(value.replace(/\d/g, ''))) out.push(label, shown + n.trailing);
    else out.push(`${label}${n.gap}${shown}${n.trailing}`);
    if (continuation !== undefined) out.push(continuation);
  });
  return out.join(crlf ? '\r\n' : '\n');
}

// ── reading text back (for the PDF fuzz: what pdf-parse's own text extraction says) ─────────

/** Lines of plain text as `Printed`: label lines by the format's labels, headings, other text. */
export function printedFromText(text: string): Printed[] {
  const labels = (Object.entries(LABEL_TEXTS) as [Key, readonly string[]][])
    .flatMap(([key, ts]) => ts.map((t) => ({ key, t: norm(t) })))
    .sort((a, b) => b.t.length - a.t.length);
  const headings = HEADINGS.map(norm);
  const out: Printed[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = clean(raw);
    if (!line || /^--\s*\d+\s+of\s+\d+\s*--$/.test(line)) continue; // pdf-parse's page marker
    const l = line.toLocaleLowerCase('nl');
    if (headings.some((h) => l.startsWith(h))) {
      out.push({ kind: 'heading', text: line });
      continue;
    }
    const label = labels.find(({ t }) => l.startsWith(t) && /^($|[\s:])/.test(l.slice(t.length)));
    const rest = label ? l.slice(label.t.length) : l;
    // Text drawn over text, or a label with its colon further along a line: a field is there
    // whose value cannot be told.
    if (line === 'OVERLAP' || labels.some(({ t }) => rest.includes(`${t}:`) || rest.includes(`${t} :`)))
      out.push({ kind: 'garbled', text: line });
    else if (label)
      out.push({ kind: 'label', key: label.key, value: line.slice(label.t.length).replace(/^\s*:?\s*/, '') });
    else out.push({ kind: 'text', text: line });
  }
  // A label alone on its line takes the next line as its value (the format allows it).
  const merged: Printed[] = [];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    const next = out[i + 1];
    if (p.kind === 'label' && p.value === '' && next?.kind === 'text') {
      merged.push({ ...p, value: next.text });
      i++;
    } else merged.push(p);
  }
  return merged;
}

export { isLineKey, isTotalKey };
