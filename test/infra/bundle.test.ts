/**
 * The intake bundle runs from an empty directory on a machine where `@napi-rs/canvas` cannot be
 * loaded — as on Lambda arm64, whatever machine bundled it — and extracts PDF text there; so does
 * every other function's bundle (the API functions and the audit sealer load and export `handler`).
 * Only the functions that read PDFs carry pdf.js and its preload; the others are bundled lean.
 *
 * Every entry is bundled once, in parallel, through esbuild's API with the shared options of
 * infra/bundling.ts (the stand-in entry, the real PDF reader, every function entry), and the asset
 * that `cdk synth` itself produces (NodejsFunction + `cdkBundling`) is checked for the intake
 * function, in a stack that holds only that function so CDK bundles nothing else.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { build, type Metafile } from 'esbuild';
import {
  FUNCTION_BUNDLE,
  PDF_READER_BUNDLE,
  PDF_READING_FUNCTIONS,
  PROJECT_ROOT,
  bundleSpecFor,
  cdkBundling,
  esbuildOptions,
  type BundleSpec,
} from '../../infra/bundling.js';
import type { FunctionName } from '../../infra/naming.js';
import { API_ENTRIES } from '../../infra/constructs/api-functions.js';
import { SEALER_ENTRY } from '../../infra/constructs/audit-sealer.js';
import { INTAKE_ENTRY, IntakeFunction } from '../../infra/constructs/intake-function.js';
import { KeyRing } from '../../infra/constructs/keys.js';
import { OPS_CHECK_ENTRY } from '../../infra/constructs/ops-check.js';
import { CHANGE_RELAY_ENTRY } from '../../infra/constructs/change-relay.js';
import { WEBHOOK_DELIVER_ENTRY } from '../../infra/constructs/webhook-delivery.js';
import { PRE_TOKEN_ENTRY } from '../../infra/constructs/identity.js';
import { Storage } from '../../infra/constructs/storage.js';
import { lambdaEnv } from '../support/lambda-env.js';
import { twoPagePdf, type3Pdf } from './pdf-samples.js';
import { ENTRY, cdkJsonContext } from './stack-fixture.js';

const run = promisify(execFile);
const PDF_TEXT = join(PROJECT_ROOT, 'shared/adapters/pdf/pdfjs-reader.ts');
const STAND_IN = join(PROJECT_ROOT, 'test/infra/bundle-entry.ts');
const RUNNER = join(PROJECT_ROOT, 'test/infra/bundle-runner.mjs');

/** Makes `@napi-rs/canvas` unresolvable for `import` and `require` alike, wherever it is installed. */
const BLOCK_CANVAS = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('@napi-rs/canvas')) {
      throw Object.assign(new Error("Cannot find module '" + specifier + "' (blocked by the bundle test)"), { code: 'MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  },
});`)}`;

/** What Lambda would set, with placeholder values (nothing is called). */
const LAMBDA_ENV = lambdaEnv('intake', { NODE_OPTIONS: '--enable-source-maps' });

/** GET /v1/openapi.json as API Gateway (payload 2.0) delivers it: no token, no AWS call. */
const OPENAPI_REQUEST = {
  version: '2.0',
  routeKey: 'GET /v1/openapi.json',
  rawPath: '/v1/openapi.json',
  rawQueryString: '',
  headers: { accept: 'application/json' },
  requestContext: {
    requestId: 'bundle-test',
    http: {
      method: 'GET',
      path: '/v1/openapi.json',
      protocol: 'HTTP/1.1',
      sourceIp: '192.0.2.1',
      userAgent: 'test',
    },
  },
  isBase64Encoded: false,
};

let work: string;
const pdfs: Record<'twoPages' | 'type3', string> = { twoPages: '', type3: '' };
const bundles = new Map<string, { dir: string; metafile: Metafile }>();
let cdkAsset: string;

/** Copies a bundle into a fresh empty directory outside the repository and runs it there. */
async function runFromEmptyDirectory(bundleDir: string, mode: string, input: unknown = {}) {
  const lambdaDir = await mkdtemp(join(tmpdir(), 'ruling-intake-lambda-'));
  await cp(bundleDir, lambdaDir, { recursive: true });
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', BLOCK_CANVAS, RUNNER, lambdaDir, mode, JSON.stringify(input)],
    {
      cwd: lambdaDir,
      env: { PATH: process.env.PATH ?? '', HOME: lambdaDir, ...LAMBDA_ENV },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no result from the bundle; stdout:\n${stdout}\nstderr:\n${stderr}`);
  // pdf.js warns on stderr.
  return {
    result: JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>,
    stderr,
    files: await readdir(lambdaDir),
  };
}

async function bundle(name: string, entry: string, spec: BundleSpec): Promise<void> {
  const dir = join(work, name);
  const { metafile } = await build({ ...esbuildOptions(entry, dir, spec), metafile: true });
  bundles.set(name, { dir, metafile });
}

/**
 * Synthesizes the intake function as `cdk synth` does (bundling on, asset paths in the metadata)
 * and returns its asset directory. The stack holds the intake function and what it needs only:
 * the other functions use the same `AppFunction` and options, and are bundled through the API.
 */
function synthesizeAsset(outdir: string): string {
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), environment: 'dev', 'aws:cdk:enable-asset-metadata': true },
    builtinCloudFormationValidation: false,
  });
  const stack = new Stack(app, 'BundleTestStack');
  const keys = new KeyRing(stack, 'Keys', { environment: 'dev' });
  const storage = new Storage(stack, 'Storage', {
    environment: 'dev',
    dataKey: keys.data,
    accessLogRetentionDays: 30,
  });
  new IntakeFunction(stack, 'Intake', {
    environment: 'dev',
    bucket: storage.bucket,
    queue: storage.queue,
    tables: storage.tables,
    dataKey: keys.data,
    hmacKey: keys.hmac,
    entry: ENTRY,
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path'] !== undefined,
  );
  assert.ok(fn, 'no bundled Lambda function in the template');
  return join(outdir, fn.Metadata!['aws:asset:path']!);
}

/** Function entries other than the intake: name → entry module. */
const FUNCTION_ENTRIES: Partial<Record<FunctionName, string>> = {
  ...Object.fromEntries(Object.entries(API_ENTRIES).map(([fn, entry]) => [`api-${fn}`, entry])),
  'audit-sealer': SEALER_ENTRY,
  'ops-check': OPS_CHECK_ENTRY,
  'change-relay': CHANGE_RELAY_ENTRY,
  'webhook-deliver': WEBHOOK_DELIVER_ENTRY,
  'pre-token': PRE_TOKEN_ENTRY,
};
const functionEntries = () => Object.entries(FUNCTION_ENTRIES) as [FunctionName, string][];
/** Each function bundle, run once from an empty directory (started in `before`, in parallel). */
const loaded = new Map<string, Promise<Awaited<ReturnType<typeof runFromEmptyDirectory>>>>();

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ruling-intake-bundles-'));
  pdfs.twoPages = join(work, 'two-pages.pdf');
  pdfs.type3 = join(work, 'type3.pdf');
  await writeFile(pdfs.twoPages, await twoPagePdf());
  await writeFile(pdfs.type3, await type3Pdf());
  await Promise.all([
    bundle('stand-in', STAND_IN, PDF_READER_BUNDLE),
    ...(existsSync(PDF_TEXT) ? [bundle('pdf-text', PDF_TEXT, PDF_READER_BUNDLE)] : []),
    ...(existsSync(INTAKE_ENTRY) ? [bundle('handler', INTAKE_ENTRY, bundleSpecFor('intake'))] : []),
    ...functionEntries()
      .filter(([, entry]) => existsSync(entry))
      .map(([name, entry]) => bundle(name, entry, bundleSpecFor(name))),
  ]);
  for (const name of Object.keys(FUNCTION_ENTRIES)) {
    const b = bundles.get(name);
    if (!b) continue;
    const p = runFromEmptyDirectory(b.dir, name === 'api-institution' ? 'invoke' : 'handler', {
      event: OPENAPI_REQUEST,
    });
    p.catch(() => undefined); // awaited by its test
    loaded.set(name, p);
  }
  cdkAsset = synthesizeAsset(join(work, 'cdk.out'));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('bundling options', () => {
  for (const spec of [FUNCTION_BUNDLE, PDF_READER_BUNDLE]) {
    const kind = spec === FUNCTION_BUNDLE ? 'function bundle' : 'PDF reader bundle';
    test(`${kind}: NodejsFunction and this test take their esbuild options from the same definition`, () => {
      const cdk = cdkBundling(spec);
      const api = esbuildOptions(STAND_IN, work ?? tmpdir(), spec);
      assert.equal(cdk.forceDockerBundling, false);
      assert.equal(cdk.format, 'esm');
      assert.equal(api.format, 'esm');
      assert.equal(cdk.target, spec.target);
      assert.equal(api.target, spec.target);
      assert.equal(spec.target, 'node24');
      assert.deepEqual(cdk.inject, api.inject);
      assert.deepEqual(cdk.externalModules, api.external);
      assert.deepEqual(cdk.mainFields, api.mainFields);
      assert.equal(cdk.banner, (api.banner as { js: string }).js);
      assert.equal(cdk.minify, api.minify);
      assert.equal(cdk.sourceMap, api.sourcemap);
      assert.equal(cdk.sourcesContent, api.sourcesContent);
    });
  }

  test('only the functions that read PDFs get the pdf.js preload; the two specs differ in nothing else', () => {
    assert.deepEqual(PDF_READING_FUNCTIONS, ['intake']);
    assert.equal(bundleSpecFor('intake'), PDF_READER_BUNDLE);
    for (const name of Object.keys(FUNCTION_ENTRIES) as FunctionName[])
      assert.equal(bundleSpecFor(name), FUNCTION_BUNDLE, name);
    assert.deepEqual(FUNCTION_BUNDLE.inject, []);
    assert.equal(PDF_READER_BUNDLE.inject.length, 1);
    assert.deepEqual({ ...PDF_READER_BUNDLE, inject: [] }, FUNCTION_BUNDLE);
  });
});

describe('intake bundle', () => {
  test('no bundle contains a native module or the canvas package', () => {
    for (const [name, { metafile }] of bundles) {
      const native = Object.keys(metafile.inputs).filter(
        (i) => i.includes('@napi-rs/') || i.endsWith('.node') || i.includes('node-gyp-build'),
      );
      assert.deepEqual(native, [], name);
    }
  });

  test('every bundle that contains pdf.js evaluates the pure-JS globals before pdf.js and carries the pdf.js worker', () => {
    for (const [name, { metafile }] of bundles) {
      const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined)!;
      const order = Object.keys(output.inputs); // in the order they appear in the bundle
      const at = (suffix: string) => order.findIndex((i) => i.endsWith(suffix));
      if (at('pdfjs-dist/legacy/build/pdf.mjs') < 0) continue;
      assert.ok(at('infra/pdfjs-globals.ts') >= 0, `${name}: pdfjs-globals.ts missing`);
      assert.ok(
        at('infra/pdfjs-globals.ts') < at('pdfjs-dist/legacy/build/pdf.mjs'),
        `${name}: globals after pdf.js`,
      );
      const worker = order[at('pdfjs-dist/legacy/build/pdf.worker.mjs')];
      assert.ok(worker, `${name}: pdf.js worker missing`);
      // The preload imports pdfjs-dist itself: it must be the copy pdf-parse uses (pdf.js refuses
      // a worker of another version at runtime).
      assert.equal(
        dirname(worker),
        dirname(order[at('pdfjs-dist/legacy/build/pdf.mjs')]!),
        `${name}: two pdfjs-dist copies`,
      );
    }
  });

  test('the stand-in entry extracts the text and page count of a PDF from an empty directory without the canvas', async () => {
    const { result, stderr, files } = await runFromEmptyDirectory(bundles.get('stand-in')!.dir, 'extract', {
      pdfs: [pdfs.twoPages, pdfs.type3],
    });
    assert.deepEqual(files.sort(), ['index.mjs', 'index.mjs.map']);
    assert.equal(result['canvasLoadable'], false);
    assert.match(stderr, /Cannot load "@napi-rs\/canvas"/, 'pdf.js did not even try to load the canvas');
    assert.equal(result['domMatrix'], 'polyfill');
    assert.equal(result['pdfjsWorker'], 'function');
    const [twoPages, type3] = result['extractions'] as { pages: number; text: string }[];
    assert.equal(twoPages!.pages, 2);
    assert.match(twoPages!.text, /Rolnummer 2024\/123 — uittreksel/);
    assert.match(twoPages!.text, /Tweede pagina: één leerkrediet, café/);
    assert.equal(type3!.pages, 1);
    assert.match(type3!.text, /ABBA/);
    assert.doesNotMatch(stderr, /Type3 font resource .* is not available|Cannot polyfill/);
  });

  test('the real PDF reader (shared/adapters/pdf/pdfjs-reader.ts), bundled, reads positioned text from an empty directory', async (t) => {
    const pdfText = bundles.get('pdf-text');
    if (!pdfText) return t.skip('shared/adapters/pdf/pdfjs-reader.ts does not exist yet');
    const { result } = await runFromEmptyDirectory(pdfText.dir, 'readPdfText', { pdfs: [pdfs.twoPages] });
    assert.equal(result['canvasLoadable'], false);
    assert.equal(result['pageCount'], 2);
    assert.ok((result['lines'] as string[]).some((l) => l.includes('Rolnummer 2024/123')));
  });

  test('the real handler, bundled, loads from an empty directory with the Lambda environment', async (t) => {
    const handler = bundles.get('handler');
    if (!handler) return t.skip('functions/intake/handler.ts does not exist yet');
    const { result } = await runFromEmptyDirectory(handler.dir, 'handler');
    assert.equal(result['handler'], 'function');
    assert.equal(result['canvasLoadable'], false);
  });

  test('the asset cdk synth produces for the intake function holds only the bundle and runs from an empty directory', async () => {
    const files = (await readdir(cdkAsset)).sort();
    assert.deepEqual(files, ['index.mjs', 'index.mjs.map']);
    if (ENTRY === INTAKE_ENTRY) {
      const { result } = await runFromEmptyDirectory(cdkAsset, 'handler');
      assert.equal(result['handler'], 'function');
      assert.equal(result['domMatrix'], 'polyfill');
    } else {
      const { result } = await runFromEmptyDirectory(cdkAsset, 'extract', { pdfs: [pdfs.twoPages] });
      assert.equal((result['extractions'] as { pages: number }[])[0]!.pages, 2);
    }
  });
});

describe('function bundles', () => {
  test('bundles of functions that do not read PDFs carry neither pdf.js nor pdf-parse (cold start)', (t) => {
    const lean = functionEntries().filter(([name]) => bundles.has(name));
    if (lean.length === 0) return t.skip('no function entries yet');
    for (const [name] of lean) {
      const pdf = Object.keys(bundles.get(name)!.metafile.inputs).filter((i) =>
        /node_modules\/(pdf-parse|pdfjs-dist)\/|infra\/pdfjs-/.test(i),
      );
      assert.deepEqual(pdf, [], `${name} reaches pdf.js: add it to PDF_READING_FUNCTIONS or cut the import`);
    }
  });

  for (const [name, entry] of functionEntries()) {
    test(`${name}: the bundle loads from an empty directory without the canvas and exports handler`, async (t) => {
      if (!existsSync(entry)) return t.skip(`${entry} does not exist yet`);
      const { result, files } = await loaded.get(name)!;
      assert.deepEqual(files.sort(), ['index.mjs', 'index.mjs.map']);
      assert.equal(result['handler'], 'function');
      assert.equal(result['canvasLoadable'], false);
      const native = Object.keys(bundles.get(name)!.metafile.inputs).filter(
        (i) => i.includes('@napi-rs/') || i.endsWith('.node'),
      );
      assert.deepEqual(native, []);
    });
  }

  test('api-institution: the bundle answers GET /v1/openapi.json from an empty directory', async (t) => {
    if (!loaded.has('api-institution'))
      return t.skip('functions/api-institution/handler.ts does not exist yet');
    const { result } = await loaded.get('api-institution')!;
    const response = result['response'] as { statusCode: number; body: string };
    assert.equal(response.statusCode, 200);
    assert.match((JSON.parse(response.body) as { openapi: string }).openapi, /^3\.1\./);
  });
});
