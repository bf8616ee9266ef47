/**
 * Builds the web console into `web/dist` (or another folder): one JavaScript and one CSS bundle
 * named by content hash under `assets/`, and `index.html` pointing at them. esbuild does it in
 * well under a second, so `npm start` rebuilds every time (`prestart`).
 *
 *   node web/build.ts [outdir]
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUTDIR = join(WEB, 'dist');

export interface BuiltConsole {
  readonly outdir: string;
  readonly files: readonly string[];
  readonly ms: number;
}

export async function buildConsole(outdir = DEFAULT_OUTDIR): Promise<BuiltConsole> {
  const started = performance.now();
  await rm(outdir, { recursive: true, force: true });
  await mkdir(join(outdir, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: WEB,
    entryPoints: { app: join(WEB, 'src/main.tsx') },
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(WEB, 'tsconfig.json'),
    outdir: join(outdir, 'assets'),
    entryNames: '[name]-[hash]',
    // Libraries the console loads on first use (the CSV ones) go to chunks of their own.
    splitting: true,
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = Object.entries(result.metafile.outputs)
    .filter(([, o]) => o.entryPoint !== undefined)
    .map(([p]) => basename(p))
    .find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css)
    throw new Error(`web build: expected an entry .js and a .css output, got ${outputs.join(', ')}`);
  const template = await readFile(join(WEB, 'index.html'), 'utf8');
  const html = template.replace('%APP_JS%', `/assets/${js}`).replace('%APP_CSS%', `/assets/${css}`);
  await writeFile(join(outdir, 'index.html'), html);
  await cp(join(WEB, 'public'), outdir, { recursive: true });
  return {
    outdir,
    files: ['index.html', ...outputs.map((f) => `assets/${f}`)],
    ms: Math.round(performance.now() - started),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildConsole(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUTDIR);
  process.stdout.write(`web console built in ${built.ms} ms → ${built.outdir}\n`);
}
