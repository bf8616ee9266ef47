/**
 * Cold-start proxy: every function bundled exactly as `cdk synth` bundles it (`esbuildOptions()`
 * of infra/bundling.ts: minified ESM, the pdf.js preload injected), its size, and the time to
 * import it in a fresh Node process from an empty directory (Lambda-like environment, nothing
 * called). Baselines in the same run: an empty module (Node's own floor) and an empty entry
 * through the same bundling options (the recipe's fixed cost).
 *
 * Also measured, as a finding for the bundling recipe: each function bundled without the
 * injected pdf.js preload, and whether its own code reaches pdf-parse at all.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { INTAKE_BUNDLE, PROJECT_ROOT, esbuildOptions } from '../../infra/bundling.js';
import { ENV, EXTRACTS_BUCKET, KEYS, SERVICE_NAME, TABLES } from '../../shared/config/resources.js';
import { kib, ms, ratio, stats, table } from './stats.js';

const run = promisify(execFile);

/** What Lambda would set, with placeholder values (nothing is called). */
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  [ENV.serviceName]: SERVICE_NAME,
  POWERTOOLS_METRICS_DISABLED: 'true',
  [EXTRACTS_BUCKET.env]: 'extracts',
  [KEYS.data.env]: 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000',
  [KEYS.hmac.env]: '00000000-0000-0000-0000-000000000001',
  ...Object.fromEntries(Object.values(TABLES).map((t) => [t.env, t.id])),
};

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
  inject: boolean,
): Promise<{ size: number; pdf: boolean }> {
  const spec = inject ? INTAKE_BUNDLE : { ...INTAKE_BUNDLE, inject: [] };
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
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const targets: Target[] = [];
    const lean: Target[] = [];

    // Baselines: a bare empty module, and an empty entry through the shared bundling options.
    const emptyDir = join(work, 'empty-module');
    await mkdir(emptyDir);
    await writeFile(join(emptyDir, 'index.mjs'), 'export {};\n');
    targets.push({ name: 'empty module (baseline)', dir: emptyDir, size: 11 });
    const emptyEntry = join(work, 'empty-entry.ts');
    await writeFile(emptyEntry, 'export const handler = async () => undefined;\n');
    const recipeDir = join(work, 'recipe');
    const recipe = await bundle(emptyEntry, recipeDir, true);
    targets.push({ name: 'empty entry, shared bundle options', dir: recipeDir, size: recipe.size });

    for (const name of names) {
      const entry = join(functionsDir, name, 'handler.ts');
      const dir = join(work, name);
      const b = await bundle(entry, dir, true);
      targets.push({ name, dir, size: b.size });
      const leanDir = join(work, `${name}-lean`);
      const l = await bundle(entry, leanDir, false);
      lean.push({ name, dir: leanDir, size: l.size, reachesPdfParse: l.pdf });
    }
    // Each bundle alone in an empty directory, as on Lambda.
    for (const t of [...targets, ...lean]) {
      const empty = await mkdtemp(join(work, 'fn-'));
      await cp(join(t.dir, 'index.mjs'), join(empty, 'index.mjs'));
      await rm(t.dir, { recursive: true, force: true });
      (t as { dir: string }).dir = empty;
    }

    const samples = new Map<string, { imp: number[]; proc: number[] }>();
    const all = [...targets, ...lean.filter((l) => !l.reachesPdfParse)];
    const key = (t: Target) => (lean.includes(t) ? `${t.name} (lean)` : t.name);
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
        t === targets[0] ? '–' : kib(t.size),
        t === targets[0] ? '–' : ratio(t.size, recipe.size),
        ms(imp.median, 1),
        ms(imp.p95, 1),
        t === targets[0] ? '–' : ratio(imp.median, floor.median),
        ms(proc.median, 0),
        t === targets[0] ? '–' : ratio(proc.median, floorProc.median),
      ];
    });
    const leanRows = lean.map((l) => {
      const full = targets.find((t) => t.name === l.name)!;
      const fullImp = stats(samples.get(full.name)!.imp);
      if (l.reachesPdfParse) return [l.name, 'yes', kib(full.size), '(needs the preload)', '–', '–'];
      const imp = stats(samples.get(key(l))!.imp);
      return [
        l.name,
        'no',
        kib(full.size),
        kib(l.size),
        `${ms(fullImp.median, 1)} → ${ms(imp.median, 1)}`,
        ratio(imp.median, fullImp.median),
      ];
    });
    return [
      '## Cold-start proxy',
      '',
      `Each function bundled with \`esbuildOptions()\` of \`infra/bundling.ts\` (what \`cdk synth\` ships: minified ESM, \`inject\`: the pdf.js preload), copied alone into an empty directory and imported by a fresh \`node\` process with a Lambda-like environment; ${runs} runs per bundle, round-robin. "import" is the \`import()\` of the bundle measured inside the process; "process" is spawn to exit. Baseline for import and process time: an empty module; baseline for size: an empty entry through the same bundling options.`,
      '',
      ...table(
        [
          'bundle',
          'size (minified)',
          'size ÷ empty-entry bundle',
          'import median ms',
          'import p95 ms',
          'import ÷ empty module',
          'process median ms',
          'process ÷ empty module',
        ],
        rows,
      ),
      '',
      'The same functions bundled without the injected pdf.js preload ("lean"), for those whose own code never reaches pdf-parse (checked in the esbuild metafile):',
      '',
      ...table(
        [
          'function',
          'reaches pdf-parse',
          'size as shipped',
          'size lean',
          'import median ms shipped → lean',
          'ratio',
        ],
        leanRows,
      ),
      '',
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
