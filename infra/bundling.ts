/**
 * The one definition of how Lambda functions are bundled. `NodejsFunction` (through
 * `cdkBundling`) and the bundle test and benchmark (through `esbuildOptions`) both derive their
 * esbuild options from `bundleSpecFor(name)`, so what the test runs is what `cdk synth` ships.
 * Two specs: `FUNCTION_BUNDLE` for every function, and `PDF_READER_BUNDLE` — the same plus the
 * pdf.js preload — for the functions that read PDFs (`PDF_READING_FUNCTIONS`: the intake only).
 * The preload is ~1 MiB of pdf.js evaluated at every cold start; the benchmark measured the API
 * functions importing in 0.6–0.8× the time without it. A function that reaches pdf.js without
 * the preload fails the bundle test (pdf.js found in a bundle without the globals before it).
 *
 * pdf-parse v2 and the canvas trap: pdf.js, inside pdf-parse, `require`s the native
 * `@napi-rs/canvas` (a 30 MB, per-platform binary) only to polyfill `DOMMatrix`, `ImageData` and
 * `Path2D` and to render pages. Text and metadata extraction never render, so the bundle ships
 * no canvas at all: `pdfjs-preload.ts` is injected ahead of the application code and installs
 * pure-JS globals plus the bundled pdf.js worker. Nothing native is left in the asset, so it is
 * the same whichever machine (x64, arm64, macOS) runs `cdk synth`, and it runs on arm64 Lambda.
 * pdf.js's attempt to load the canvas still happens and leaves one `console.warn` line per cold
 * start (`Cannot load "@napi-rs/canvas" package`); it is expected.
 *
 * Application code imports pdf-parse as `import { PDFParse } from 'pdf-parse'` and uses text
 * and metadata only (`getText`, `getInfo`, `load` + `getTextContent`), never `pdf-parse/worker`
 * (it statically imports the canvas) and never `getScreenshot`/`getImage`.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import type { FunctionName } from './naming.js';

/** Repository root (the directory holding package.json and package-lock.json). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda runtime of every function; the esbuild target follows from it. */
export const NODE_RUNTIME = Runtime.NODEJS_24_X;

/**
 * In an ES module bundle, CommonJS dependencies that `require()` Node built-ins (the AWS
 * Encryption SDK, parts of the AWS SDK) need a real `require`.
 */
const REQUIRE_SHIM =
  "import { createRequire as __rulingIntakeCreateRequire } from 'node:module'; const require = __rulingIntakeCreateRequire(import.meta.url);";

export interface BundleSpec {
  /** esbuild `--target`, e.g. `node24`. */
  readonly target: string;
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly sourcesContent: boolean;
  readonly mainFields: readonly string[];
  readonly banner: string;
  /** Absolute paths of modules evaluated before the entry point. */
  readonly inject: readonly string[];
  /**
   * Modules left out of the bundle. Empty: the asset must run from an empty directory, so the
   * AWS SDK is bundled too (pinned to the lockfile rather than whatever the runtime carries).
   */
  readonly external: readonly string[];
}

/** Every function's bundle: minified ESM for the Lambda runtime, nothing injected. */
export const FUNCTION_BUNDLE: BundleSpec = {
  target: NODE_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
  minify: true,
  sourcemap: true,
  // Maps still resolve stack traces to file and line; the sources themselves stay out of the asset.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: REQUIRE_SHIM,
  inject: [],
  external: [],
};

/** The bundle of a function that reads PDFs: the pdf.js preload evaluated ahead of everything. */
export const PDF_READER_BUNDLE: BundleSpec = {
  ...FUNCTION_BUNDLE,
  inject: [fileURLToPath(new URL('./pdfjs-preload.ts', import.meta.url))],
};

/** The functions whose code reaches pdf-parse (and so needs the preload). */
export const PDF_READING_FUNCTIONS: readonly FunctionName[] = ['intake'];

/** The bundle spec of a function, by its short name. */
export function bundleSpecFor(name: FunctionName): BundleSpec {
  return PDF_READING_FUNCTIONS.includes(name) ? PDF_READER_BUNDLE : FUNCTION_BUNDLE;
}

/**
 * Bundling for `NodejsFunction`: local esbuild from node_modules, never Docker. The output is
 * `index.mjs` (+ `index.mjs.map`) and nothing else.
 */
export function cdkBundling(spec: BundleSpec): BundlingOptions {
  assertLocalEsbuild();
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: spec.target,
    minify: spec.minify,
    sourceMap: spec.sourcemap,
    sourcesContent: spec.sourcesContent,
    mainFields: [...spec.mainFields],
    banner: spec.banner,
    inject: [...spec.inject],
    externalModules: [...spec.external],
    // esbuild's size summary is noise in `cdk synth`; warnings and errors still show.
    logLevel: LogLevel.WARNING,
  };
}

/** The same bundle through esbuild's API, for tests: writes `<outdir>/index.mjs`. */
export function esbuildOptions(entry: string, outdir: string, spec: BundleSpec): BuildOptions {
  return {
    entryPoints: [entry],
    outfile: `${outdir}/index.mjs`,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: spec.target,
    minify: spec.minify,
    sourcemap: spec.sourcemap,
    sourcesContent: spec.sourcesContent,
    mainFields: [...spec.mainFields],
    banner: { js: spec.banner },
    inject: [...spec.inject],
    external: [...spec.external],
    logLevel: 'warning',
  };
}

/**
 * `NodejsFunction` silently falls back to Docker when it cannot find esbuild; there is no Docker
 * here, and a Docker build would differ from the tested one. Fail with the actual cause instead.
 */
function assertLocalEsbuild(): void {
  const require = createRequire(new URL('../package.json', import.meta.url));
  let version: string;
  try {
    version = (require('esbuild/package.json') as { version: string }).version;
  } catch {
    throw new Error(
      'esbuild is not installed in node_modules (run `npm ci`); bundling must run locally, not in Docker',
    );
  }
  if (!version.startsWith('0.')) {
    throw new Error(`aws-cdk-lib expects esbuild 0.x, found ${version}`);
  }
}
