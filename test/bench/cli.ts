/**
 * The CLI's start-up, as a person meets it: each command run in a fresh process, timed from spawn
 * to exit, with its peak memory (`/usr/bin/time -f %M` where installed). Baselines in the same
 * run: `node -e 0` (Node's own floor) and pdf-parse's own cold parse of the same PDF (import
 * pdf-parse, read the text, exit). The API command runs against a stub HTTP server that answers at
 * once, so its figure is the CLI's cost without the request. Targets (issue 15, on an idle
 * machine): `--help` ≤ 0.25 s, an API command ≤ 0.5 s + the request, `parse` of a one-page extract
 * ≤ 1 s and ≤ 250 MiB; on a busy machine the ratios to `node -e 0` are the figures to compare.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ms, ratio, stats, table, type Stats } from './stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'bin/ruling-intake.js');
const SAMPLE = join(ROOT, 'samples/01-granted-ugent.pdf');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** One run: wall milliseconds and peak RSS in KiB (NaN without /usr/bin/time). */
function once(args: readonly string[]): Promise<{ ms: number; kib: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const [cmd, argv] = TIME
      ? [TIME, ['-f', 'PEAK_KIB %M', process.execPath, ...args]]
      : [process.execPath, [...args]];
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = performance.now() - t;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      resolve({ ms: wall, kib: Number(/PEAK_KIB (\d+)/.exec(err)?.[1] ?? NaN) });
    });
  });
}

async function measure(args: readonly string[], runs: number): Promise<{ time: Stats; peakMiB: number }> {
  await once(args); // warm the file cache
  const samples: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    const r = await once(args);
    samples.push(r.ms);
    peak = Math.max(peak, r.kib);
  }
  return { time: stats(samples), peakMiB: peak / 1024 };
}

export async function benchCli(runs: number): Promise<string[]> {
  // The bundle as `npm ci` / `npm start` build it.
  await import(join(ROOT, 'bin/build-cli.js')).then((m: { buildCli(): Promise<void> }) => m.buildCli());
  const dir = await mkdtemp(join(tmpdir(), 'bench-cli-'));
  const pdfParse = join(dir, 'pdf-parse-cold.mjs');
  await writeFile(
    pdfParse,
    `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const { PDFParse } = await import(createRequire(${JSON.stringify(join(ROOT, 'package.json'))}).resolve('pdf-parse'));
const p = new PDFParse({ data: new Uint8Array(readFileSync(${JSON.stringify(SAMPLE)})) });
await p.getText();
await p.destroy();
`,
  );
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}'),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const node0 = await measure(['-e', '0'], runs);
    const rows: [string, string, { time: Stats; peakMiB: number }][] = [
      ['`node -e 0`', 'baseline', node0],
      ['`ruling-intake --help`', '≤ 0.25 s', await measure([CLI, '--help'], runs)],
      [
        '`ruling-intake status --endpoint <stub> --token x`',
        '≤ 0.5 s + request',
        await measure([CLI, 'status', '--endpoint', endpoint, '--token', 'x'], runs),
      ],
      ['pdf-parse cold parse (import, getText)', 'baseline', await measure([pdfParse], runs)],
      [
        '`ruling-intake parse samples/01-granted-ugent.pdf`',
        '≤ 1 s, ≤ 250 MiB',
        await measure([CLI, 'parse', SAMPLE], runs),
      ],
    ];
    const pdfBase = rows[3]![2].time.median;
    return [
      '## CLI start-up',
      '',
      `Each command in a fresh process, ${runs} runs after one warm-up, wall time from spawn to exit and peak RSS (\`test/bench/cli.ts\`). The targets are for an idle machine; the ratios to \`node -e 0\` (and, for \`parse\`, to pdf-parse's own cold parse of the same file) carry over to a busy one.`,
      '',
      ...table(
        ['command', 'target (idle)', 'median ms', 'p95 ms', '× node -e 0', '× pdf-parse cold', 'peak MiB'],
        rows.map(([name, target, r]) => [
          name,
          target,
          ms(r.time.median, 0),
          ms(r.time.p95, 0),
          ratio(r.time.median, node0.time.median),
          ratio(r.time.median, pdfBase),
          Number.isFinite(r.peakMiB) && r.peakMiB > 0 ? r.peakMiB.toFixed(0) : '–',
        ]),
      ),
      '',
    ];
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
