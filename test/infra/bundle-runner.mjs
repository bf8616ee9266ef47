// Runs inside a fresh Node process whose working directory is an empty copy of a bundle.
// argv: <bundle dir> <mode> <json input>. Prints one line `RESULT <json>` last.
// Modes: extract, readPdfText, handler (import only), invoke (call handler with input.event).
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
} else if (mode === 'invoke') {
  result.handler = typeof mod.handler;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bundle-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:bundle-test',
    memoryLimitInMB: '512',
    awsRequestId: 'bundle-test',
    logGroupName: '/aws/lambda/bundle-test',
    logStreamName: 'bundle-test',
    getRemainingTimeInMillis: () => 30_000,
    callbackWaitsForEmptyEventLoop: true,
  };
  result.response = await mod.handler(args.event, context);
}
console.log(`RESULT ${JSON.stringify(result)}`);
