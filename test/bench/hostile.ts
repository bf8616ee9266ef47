/**
 * Hostile PDFs: each file of test/fixtures/hostile.ts read once in a fresh process (so that the
 * process's peak resident memory belongs to that file alone), next to a normal sample read the
 * same way. Time and peak RSS as ratios to the sample; never asserted (the reliability tests
 * assert the outcome, PDF_TOO_COMPLEX).
 *
 * Run alone for one file: `node --import tsx test/bench/hostile.ts <name> <file.pdf>` prints JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { exampleSpec, renderExtract } from '../fixtures/extract-pdf.js';
import { HOSTILE_DESCRIPTIONS, HOSTILE_KINDS, hostilePdf, type HostileKind } from '../fixtures/hostile.js';
import { ratio, table } from './stats.js';

interface One {
  readonly kind: string;
  readonly bytes: number;
  readonly ms: number;
  readonly peakRssMb: number;
  readonly outcome: string;
}

async function readOne(kind: string, file: string): Promise<One> {
  const bytes = new Uint8Array(await readFile(file));
  // The worker and pdf.js start before the clock (as in a warm function).
  await parseExtract(await renderExtract(exampleSpec(), 'pdfkit'));
  const t = performance.now();
  const r = await parseExtract(bytes);
  const ms = performance.now() - t;
  return {
    kind,
    bytes: bytes.byteLength,
    ms,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    outcome: r.ok ? 'APPLIED' : r.error.code,
  };
}

const run = promisify(execFile);

/** Made here and passed as a file, so that making it (a 128 MiB buffer) is not in the child's peak. */
async function inChild(kind: HostileKind | 'sample'): Promise<One> {
  const bytes = kind === 'sample' ? await renderExtract(exampleSpec(), 'pdf-lib') : hostilePdf(kind);
  const dir = await mkdtemp(join(tmpdir(), 'hostile-'));
  const file = join(dir, `${kind}.pdf`);
  try {
    await writeFile(file, bytes);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), kind, file],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as One;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchHostile(): Promise<string[]> {
  const sample = await inChild('sample');
  const rows: string[][] = [
    [
      'normal sample (pdf-lib)',
      `${(sample.bytes / 1024).toFixed(0)}`,
      sample.outcome,
      sample.ms.toFixed(0),
      '1.00×',
      sample.peakRssMb.toFixed(0),
      '1.00×',
    ],
  ];
  let peak = sample.peakRssMb;
  for (const kind of HOSTILE_KINDS) {
    const one = await inChild(kind);
    peak = Math.max(peak, one.peakRssMb);
    rows.push([
      `${kind}: ${HOSTILE_DESCRIPTIONS[kind]}`,
      `${(one.bytes / 1024).toFixed(0)}`,
      one.outcome,
      one.ms.toFixed(0),
      ratio(one.ms, sample.ms),
      one.peakRssMb.toFixed(0),
      ratio(one.peakRssMb, sample.peakRssMb),
    ]);
  }
  return [
    '## Hostile PDFs',
    '',
    `Each file read once by \`parseExtract\` in a fresh process after one warm-up read (worker and pdf.js started); peak RSS is the process's (main thread and reader worker). Peak over the corpus: ${peak.toFixed(0)} MB (the intake function has 1024 MB). Outcome must be PDF_TOO_COMPLEX for every hostile file.`,
    '',
    ...table(['file', 'KiB', 'outcome', 'read ms', 'time ratio', 'peak RSS MB', 'RSS ratio'], rows),
    '',
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[3]) {
  process.stdout.write(`${JSON.stringify(await readOne(process.argv[2]!, process.argv[3]))}\n`);
  process.exit(0);
}
