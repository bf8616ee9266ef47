import { exampleSpec, type ExtractSpec } from '../fixtures/extract-pdf.js';

/** The example extract with 2, 6 or 10 credit lines, forced onto `pages` pages by page breaks inside credit lines. */
export function multiPageSpec(pages: 1 | 2 | 5): ExtractSpec {
  const base = exampleSpec();
  const line = base.lines[0]!;
  const lines = Array.from({ length: pages === 1 ? 2 : pages === 2 ? 6 : 10 }, (_, i) => ({
    ...line,
    academicYearText: `${2012 + i}-${2013 + i}`,
    requested: 10 + i,
    returned: 5 + i,
  }));
  const breaks = pages === 1 ? [] : pages === 2 ? [3] : [2, 4, 6, 8];
  return { ...base, lines, quirks: { headerFooter: true, pageBreakInLines: breaks } };
}
