/** Text normalisation shared by the parser and the register look-ups. */

/**
 * Compatibility-normalise text as PDF libraries return it: NFKC (ligatures, full-width
 * digits, non-breaking spaces), soft hyphens and zero-width characters removed, dashes unified
 * where they separate numbers, tabs and runs of spaces kept as one space.
 */
export function normaliseText(text: string): string {
  return unifyNumberDashes(text.normalize('NFKC'))
    .replace(/\u00ad|\u200b|\u200c|\u200d|\u2060|\ufeff/g, '')
    .replace(/[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
    .replace(/\r\n?/g, '\n');
}

/**
 * Dash look-alikes between digits — U+2010 hyphen, U+2011 non-breaking hyphen, U+2012 figure
 * dash, U+2013/2014 en/em dash, U+2212 minus, U+FE63 small and U+FF0D full-width hyphen-minus —
 * read as `-` in numbers, national numbers and years (`04.12.01−301.60`, `2022‒2023`). Between
 * letters they stay: names keep what was printed.
 */
export function unifyNumberDashes(text: string): string {
  return text.replace(/(?<=\d\s?)[\u2010-\u2014\u2212\ufe63\uff0d](?=\s?\d)/g, '-');
}

/** Collapse runs of white space into one space and trim. */
export function collapseSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A matching key: case-, accent- and whitespace-insensitive (used for institution names and
 * identity comparison). `Universiteit  GENT` and `universiteitgent` give the same key.
 */
export function matchKey(text: string): string {
  return normaliseText(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLocaleLowerCase('nl')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, '');
}

/**
 * Joins the lines of a wrapped value: one space between lines, none after a line that ends in a
 * letter and a hyphen when the next line goes on with a letter (`bio-` / `ingenieurswetenschappen`,
 * `Mechelen-` / `Antwerpen`): the hyphen is printed and kept, the break is the layout's. A Dutch
 * suspended hyphen stands before a conjunction (`land-, water-` / `en klimaatbeheer`): the space
 * stays.
 */
export function joinWrapped(parts: readonly string[]): string {
  let out = '';
  for (const part of parts) {
    const p = collapseSpaces(part);
    if (!p) continue;
    const joined = /\p{L}-$/u.test(out) && /^\p{L}/u.test(p) && !/^(?:en|of|tot|noch)\b/iu.test(p);
    out += out === '' || joined ? p : ` ${p}`;
  }
  return out;
}
