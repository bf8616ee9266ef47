// Runs inside a fresh Node process whose working directory is an empty copy of a bundle.
// argv: <bundle dir> <mode> <json input>. Prints one line `RESULT <json>` last.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, mode, input] = process.argv.slice(2);
const entry = join(dir, 'index.mjs');
const args = JSON.parse(input ?? '{}');
const result = {};

// The canvas must be unreachable from the bundle's location.
try {
  createRequire(entry)('@napi-rs/canvas');
  result.canvasLoadable = true;
} catch {
  result.canvasLoadable = false;
}

const mod = await import(pathToFileURL(entry).href);
result.domMatrix =
  globalThis.DOMMatrix?.[Symbol.for('ruling-intake.pdfjs-polyfill')] === true
    ? 'polyfill'
    : typeof globalThis.DOMMatrix;
result.pdfjsWorker = typeof globalThis.pdfjsWorker?.WorkerMessageHandler;

if (mode === 'extract') {
  result.extractions = [];
  for (const pdf of args.pdfs)
    result.extractions.push(await mod.extract(new Uint8Array(await readFile(pdf)), 1));
} else if (mode === 'readPdfText') {
  const text = await mod.readPdfText(new Uint8Array(await readFile(args.pdfs[0])));
  result.pageCount = text.pageCount;
  result.lines = text.pages.flat().map((l) => l.text);
} else if (mode === 'handler') {
  result.handler = typeof mod.handler;
}
console.log(`RESULT ${JSON.stringify(result)}`);
