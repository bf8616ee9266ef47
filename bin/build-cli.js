// Builds the CLI bundle: dist/cli/main.mjs plus one chunk per command (esbuild code splitting),
// so `ruling-intake` runs plain JavaScript — no TypeScript compiled at run time — and each
// command loads only its own imports. Dependencies stay in node_modules (not bundled): the CLI
// runs inside the project. The PDF reader is an entry of its own: its worker thread loads the
// module it was started from (`import.meta.url`), which must be a file of this bundle.
// Run by `npm start` (prestart), `npm ci` (prepare), and by the launcher when the bundle is
// missing or older than a source file it was built from (recorded in dist/cli/inputs.json).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI_DIST = join(root, 'dist', 'cli');

export async function buildCli() {
  const { build } = await import('esbuild');
  // Built beside the final folder and swapped in, so a CLI started meanwhile never sees half a bundle.
  const tmp = `${CLI_DIST}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'shared/cli/main.ts', 'pdfjs-reader': 'shared/adapters/pdf/pdfjs-reader.ts' },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/'));
  await writeFile(join(tmp, 'inputs.json'), `${JSON.stringify({ builtAt: Date.now(), inputs })}\n`);
  await mkdir(dirname(CLI_DIST), { recursive: true });
  const old = `${CLI_DIST}.${process.pid}.old`;
  await rename(CLI_DIST, old).catch(() => undefined);
  await rename(tmp, CLI_DIST);
  await rm(old, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // An install without dev dependencies (no esbuild) still installs: the launcher then runs the
  // sources through tsx.
  const esbuild = await import('esbuild').catch(() => undefined);
  if (esbuild) await buildCli();
  else
    process.stderr.write(
      'esbuild is not installed: the CLI will run from its TypeScript sources (slower).\n',
    );
}
