#!/usr/bin/env node
// Launcher. Plain JavaScript that even an old Node parses: the version is checked (require-node.js,
// imported first) before anything else is loaded. Then it runs the CLI bundle (dist/cli, built by bin/build-cli.js);
// when the bundle is missing or older than a source it was built from it is rebuilt first
// (~0.2 s, once), and without esbuild the TypeScript sources run through tsx as a last resort.
import './require-node.js';
const { existsSync, readFileSync, statSync } = await import('node:fs');
const { join } = await import('node:path');
const { fileURLToPath, pathToFileURL } = await import('node:url');

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'cli');
// The bundle's modules live in dist/cli: tell them where the project's data folder is.
process.env.RULING_INTAKE_DATA ??= join(root, '.data');

function fresh() {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8'));
    return inputs.every((f) => statSync(join(root, f)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

let main;
if (!fresh()) {
  try {
    await (await import('./build-cli.js')).buildCli();
  } catch {
    // no esbuild (a production install): fall through to the sources if the bundle is absent
  }
}
if (existsSync(join(dist, 'main.mjs'))) {
  ({ main } = await import(pathToFileURL(join(dist, 'main.mjs')).href));
} else {
  (await import('tsx/esm/api')).register();
  ({ main } = await import('../shared/cli/main.ts'));
}
await main(process.argv);
