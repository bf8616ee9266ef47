/**
 * The privacy scan of the reliability suite: every national number and name a test feeds in is
 * registered here, and `findIn` looks for them in whatever the system wrote — log lines, error
 * messages, status messages, HTTP error bodies. A national number is found whatever separators
 * stand between its digits (`85073003328`, `85.07.30-033.28`, `85 07 30 033 28`, full-width
 * digits, …); a name as whole words, whatever the letter case and accents.
 */

/** Particles and short words that are not a person's name on their own. */
const NOT_A_NAME = new Set([
  'van',
  'den',
  'der',
  'de',
  'da',
  'del',
  'di',
  'du',
  'el',
  'le',
  'la',
  'ter',
  'ten',
]);

/** Compatibility forms, accents and letter case folded away: `Zoë`, `ZOE` and `zoe` are one name. */
const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase('nl');

export class PersonalData {
  private readonly numbers = new Set<string>();
  /** Names as their words (letters only: `Jean-Pierre` → `jean pierre`) joined by one space, folded. */
  private readonly names = new Set<string>();

  /** Registers a national number (any notation; its 11 digits are what is searched). */
  number(text: string): void {
    const digits = text.normalize('NFKC').replace(/\D/g, '');
    if (digits.length === 11) this.numbers.add(digits);
  }

  /** Registers a person's name: the whole name, and each word of three letters or more. */
  name(text: string): void {
    const words = fold(text).match(/\p{L}+/gu) ?? [];
    if (words.length) this.names.add(words.join(' '));
    for (const w of words) if (w.length >= 3 && !NOT_A_NAME.has(w)) this.names.add(w);
  }

  person(p: { readonly rrn?: string; readonly surname?: string; readonly givenNames?: string }): void {
    if (p.rrn) this.number(p.rrn);
    if (p.surname) this.name(p.surname);
    if (p.givenNames) this.name(p.givenNames);
  }

  get size(): { numbers: number; names: number } {
    return { numbers: this.numbers.size, names: this.names.size };
  }

  /**
   * What of the registered data occurs in `text`: descriptions with the number masked, so that a
   * failing test does not print the very data it guards. One pass over the text for numbers
   * (runs of digits with up to three separator characters between them) and one for words.
   */
  findIn(text: string): string[] {
    const hay = fold(text);
    const found = new Set<string>();
    for (const run of hay.match(/\d(?:[^\p{L}\p{N}]{0,3}\d)*/gu) ?? []) {
      const digits = run.replace(/\D/g, '');
      for (let i = 0; i + 11 <= digits.length; i++) {
        const n = digits.slice(i, i + 11);
        if (this.numbers.has(n)) found.add(`national number ${n.slice(0, 6)}…${n.slice(9)}`);
      }
    }
    const words = ` ${(hay.match(/\p{L}+/gu) ?? []).join(' ')} `;
    for (const name of this.names) if (words.includes(` ${name} `)) found.add(`name "${name}"`);
    return [...found];
  }
}
