/**
 * Cold-start proxy: every function bundled exactly as `cdk synth` bundles it (`esbuildOptions()`
 * with `bundleSpecFor(name)` of infra/bundling.ts: minified ESM, the pdf.js preload injected only
 * into functions that read PDFs), its size, and the time to
 * import it in a fresh Node process from an empty directory (Lambda-like environment, nothing
 * called). Baselines in the same run: an empty module (Node's own floor) and an empty entry
 * through the same bundling options (the recipe's fixed cost).
 *
 * Also measured, as the before/after of the bundling finding: each function that does not read
 * PDFs bundled with the pdf.js preload (as every function was bundled before), and whether its
 * own code reaches pdf-parse at all.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import {
  PDF_READER_BUNDLE,
  PROJECT_ROOT,
  bundleSpecFor,
  esbuildOptions,
  type BundleSpec,
} from '../../infra/bundling.js';
import { FUNCTION_NAMES, type FunctionName } from '../../infra/naming.js';
import { lambdaEnv } from '../support/lambda-env.js';
import { kib, ms, ratio, stats, table } from './stats.js';

const run = promisify(execFile);

/** What Lambda would set, with placeholder values (nothing is called). */
const LAMBDA_ENV = lambdaEnv('bench', { POWERTOOLS_METRICS_DISABLED: 'true' });

/** Imports the module named by argv[2] and prints the milliseconds the import took. */
const IMPORTER = `const t = performance.now();
await import(process.argv[2]);
process.stdout.write('IMPORT_MS ' + (performance.now() - t) + '\\n');
`;

interface Target {
  readonly name: string;
  readonly dir: string;
  readonly size: number;
  readonly reachesPdfParse?: boolean;
}

async function bundle(
  entry: string,
  outdir: string,
  spec: BundleSpec,
): Promise<{ size: number; pdf: boolean }> {
  const r = await build({ ...esbuildOptions(entry, outdir, spec), metafile: true, logLevel: 'error' });
  const pdf = Object.keys(r.metafile.inputs).some((f) => /node_modules\/(pdf-parse|pdfjs-dist)\//.test(f));
  return { size: (await stat(join(outdir, 'index.mjs'))).size, pdf };
}

async function importMs(
  dir: string,
  file: string,
  work: string,
): Promise<{ importMs: number; processMs: number }> {
  const t = performance.now();
  const { stdout } = await run(process.execPath, [join(work, 'importer.mjs'), join(dir, file)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...LAMBDA_ENV },
    maxBuffer: 4 * 1024 * 1024,
  });
  const processMs = performance.now() - t;
  const line = stdout.split('\n').find((l) => l.startsWith('IMPORT_MS '));
  if (!line) throw new Error(`no import time from ${dir}`);
  return { importMs: Number(line.slice('IMPORT_MS '.length)), processMs };
}

export async function benchColdStart(runs: number): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), 'ruling-intake-bench-cold-'));
  try {
    await writeFile(join(work, 'importer.mjs'), IMPORTER);
    const functionsDir = join(PROJECT_ROOT, 'functions');
    const names = (await readdir(functionsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && (FUNCTION_NAMES as readonly string[]).includes(d.name))
      .map((d) => d.name as FunctionName)
      .sort();
    const targets: Target[] = [];
    /** Functions that do not read PDFs, bundled as before the finding: with the pdf.js preload. */
    const preloaded: Target[] = [];

    // Baselines: a bare empty module, and an empty entry through the shared bundling options.
    const emptyDir = join(work, 'empty-module');
    await mkdir(emptyDir);
    await writeFile(join(emptyDir, 'index.mjs'), 'export {};\n');
    targets.push({ name: 'empty module (baseline)', dir: emptyDir, size: 11 });
    const emptyEntry = join(work, 'empty-entry.ts');
    await writeFile(emptyEntry, 'export const handler = async () => undefined;\n');
    const recipeDir = join(work, 'recipe');
    const recipe = await bundle(emptyEntry, recipeDir, bundleSpecFor('api-clerk'));
    targets.push({ name: 'empty entry, shared bundle options', dir: recipeDir, size: recipe.size });

    for (const name of names) {
      const entry = join(functionsDir, name, 'handler.ts');
      const spec = bundleSpecFor(name);
      const dir = join(work, name);
      const b = await bundle(entry, dir, spec);
      targets.push({ name, dir, size: b.size, reachesPdfParse: b.pdf });
      if (spec === PDF_READER_BUNDLE) continue;
      const beforeDir = join(work, `${name}-preloaded`);
      const p = await bundle(entry, beforeDir, PDF_READER_BUNDLE);
      preloaded.push({ name, dir: beforeDir, size: p.size, reachesPdfParse: b.pdf });
    }
    // Each bundle alone in an empty directory, as on Lambda.
    for (const t of [...targets, ...preloaded]) {
      const empty = await mkdtemp(join(work, 'fn-'));
      await cp(join(t.dir, 'index.mjs'), join(empty, 'index.mjs'));
      await rm(t.dir, { recursive: true, force: true });
      (t as { dir: string }).dir = empty;
    }

    const samples = new Map<string, { imp: number[]; proc: number[] }>();
    const all = [...targets, ...preloaded];
    const key = (t: Target) => (preloaded.includes(t) ? `${t.name} (preloaded)` : t.name);
    for (const t of all) samples.set(key(t), { imp: [], proc: [] });
    // Round-robin, so that every target sees the same machine state.
    await importMs(targets[0]!.dir, 'index.mjs', work);
    for (let i = 0; i < runs; i++) {
      for (const t of all) {
        const r = await importMs(t.dir, 'index.mjs', work);
        samples.get(key(t))!.imp.push(r.importMs);
        samples.get(key(t))!.proc.push(r.processMs);
      }
    }
    const floor = stats(samples.get(targets[0]!.name)!.imp);
    const floorProc = stats(samples.get(targets[0]!.name)!.proc);
    const rows = targets.map((t) => {
      const s = samples.get(t.name)!;
      const imp = stats(s.imp);
      const proc = stats(s.proc);
      return [
        t.name,
        t.reachesPdfParse === undefined ? '–' : t.reachesPdfParse ? 'yes' : 'no',
        t === targets[0] ? '–' : kib(t.size),
        ms(imp.median, 1),
        ms(imp.p95, 1),
        t === targets[0] ? '–' : ratio(imp.median, floor.median),
        ms(proc.median, 0),
        t === targets[0] ? '–' : ratio(proc.median, floorProc.median),
      ];
    });
    const beforeAfterRows = preloaded.map((p) => {
      const shipped = targets.find((t) => t.name === p.name)!;
      const before = stats(samples.get(key(p))!.imp);
      const after = stats(samples.get(shipped.name)!.imp);
      return [
        p.name,
        `${kib(p.size)} → ${kib(shipped.size)}`,
        ratio(shipped.size, p.size),
        `${ms(before.median, 1)} → ${ms(after.median, 1)}`,
        ratio(after.median, before.median),
      ];
    });
    return [
      '## Cold-start proxy',
      '',
      `Each function bundled with \`esbuildOptions()\` and \`bundleSpecFor(name)\` of \`infra/bundling.ts\` (what \`cdk synth\` ships: minified ESM; the pdf.js preload injected only into functions that read PDFs, i.e. whose code reaches pdf-parse — checked here in the esbuild metafile), copied alone into an empty directory and imported by a fresh \`node\` process with a Lambda-like environment; ${runs} runs per bundle, round-robin. "import" is the \`import()\` of the bundle measured inside the process; "process" is spawn to exit. Baseline for import and process time: an empty module; for size, an empty entry through the same bundling options shows the recipe's own cost (the shim banner), and the before/after table below compares each function with its former bundle.`,
      '',
      ...table(
        [
          'bundle',
          'reaches pdf-parse',
          'size (minified)',
          'import median ms',
          'import p95 ms',
          'import ÷ empty module',
          'process median ms',
          'process ÷ empty module',
        ],
        rows,
      ),
      '',
      'Before/after of the bundling finding, same run: the functions that do not read PDFs bundled as every function was before (with the injected pdf.js preload) → as shipped now (without it):',
      '',
      ...table(
        ['function', 'size before → after', 'size ratio', 'import median ms before → after', 'import ratio'],
        beforeAfterRows,
      ),
      '',
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
