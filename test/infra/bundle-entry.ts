/**
 * Stand-in entry for the bundle test: uses pdf-parse exactly as application code must —
 * a plain static `import { PDFParse } from 'pdf-parse'`, text and metadata only — so the test
 * proves the bundling recipe (infra/bundling.ts) independently of the handler.
 */
import { PDFParse } from 'pdf-parse';

export interface Extraction {
  readonly pages: number;
  readonly text: string;
}

export async function extract(data: Uint8Array, verbosity?: number): Promise<Extraction> {
  const parser = new PDFParse({ data, ...(verbosity === undefined ? {} : { verbosity }) });
  try {
    const info = await parser.getInfo();
    const text = await parser.getText();
    return { pages: info.total, text: text.text };
  } finally {
    await parser.destroy();
  }
}
