/**
 * Intake throughput on the local stack: a backlog of valid extracts (one new student each)
 * uploaded while the queue is paused, then drained by the real handler — against a do-nothing
 * handler draining the same number of the same S3 event messages through a LocalQueue with the
 * stack's options (same journal, batch size, concurrency), measured in the same run.
 *
 * Per-step timings come from the use case's `onTiming` hook (with `afterStep` to attribute
 * them to an intake). Everything runs in this one process (s3rver, dynalite, the handler), so a
 * step's time is its own work plus waiting for the event loop behind the other extracts in
 * flight: read the shares, not the absolute milliseconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalQueue } from '../../infra/local/queue.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { LIMITS } from '../../shared/config/resources.js';
import { s3EventBody } from '../../shared/adapters/aws/s3-event.js';
import { INTAKE_STEPS, type IntakeStep } from '../../shared/use-cases/process-extract.js';
import { extractText, nationalNumber, pdfFromText, upload, withStack } from '../integration/helpers.js';
import { int, ms, quantile, ratio, stats, table } from './stats.js';

/** What each step does, in round trips to the emulators (S3 = s3rver, DB = dynalite). */
const STEP_WORK: Record<IntakeStep, string> = {
  read: 'status Get; S3 GetObject (10 MiB cap); RECEIVED put-if-absent only when no status exists',
  parse: 'pdf.js in its worker thread (one extract at a time: includes waiting for it) + parser',
  pseudonymise: 'two HMACs (local key file; KMS GenerateMac on AWS)',
  identity: 'student Get; for a new student: name encryption (Encryption SDK) + Update',
  claim: 'ruling claim put-if-absent',
  'ledger-entries': 'one put-if-absent per credit line, in parallel',
  balance: 'conditional Update of the balance',
  audit: 'audit put-if-absent',
  status: 'status Put (outcome before deletion)',
  delete:
    'AWS: ListObjectVersions + DeleteObject per version; s3rver (no versions): HeadObject + DeleteObject',
  final: 'status Put (extractDeleted)',
};

/** `(completed, seconds)` → throughput over windows of `window` consecutive completions. */
function windowRates(completions: readonly number[], window: number): number[] {
  const t = [...completions].sort((a, b) => a - b);
  const rates: number[] = [];
  for (let i = 0; i + window < t.length; i += window) rates.push(window / ((t[i + window]! - t[i]!) / 1000));
  return rates;
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

interface Drain {
  readonly seconds: number;
  readonly completions: number[];
}

/** The baseline: the same messages through a LocalQueue with the stack's options and a handler that does nothing. */
async function drainWithNoop(dataDir: string, bodies: readonly string[]): Promise<Drain> {
  const queue = new LocalQueue({
    dataDir,
    name: 'bench-noop',
    retryDelayMs: 100,
    pauseCheckIntervalMs: 50,
    handlerTimeoutMs: LIMITS.intakeFunctionTimeoutSeconds * 1000,
  });
  const completions: number[] = [];
  try {
    for (const body of bodies) await queue.send(body);
    const t = performance.now();
    await queue.start(async (event) => {
      const now = performance.now();
      for (let i = 0; i < event.Records.length; i++) completions.push(now);
      return { batchItemFailures: [] };
    });
    await queue.drain(120_000);
    return { seconds: (performance.now() - t) / 1000, completions };
  } finally {
    await queue.stop();
  }
}

export async function benchIntake(count: number, window = 100): Promise<string[]> {
  const timings = new Map<IntakeStep, number[]>(INTAKE_STEPS.map((s) => [s, []]));
  const perIntake = new Map<string, number>();
  const completions: number[] = [];
  let lastMs = 0;
  const stack = await withStack({
    retryDelayMs: 100,
    sealEveryMs: 0,
    overrideDeps: (deps) => ({
      ...deps,
      onTiming: (step, t) => {
        lastMs = t;
        timings.get(step)!.push(t);
      },
      // Called synchronously right after onTiming for the same step: attributes it to the intake.
      afterStep: (step, intakeId) => {
        perIntake.set(intakeId, (perIntake.get(intakeId) ?? 0) + lastMs);
        if (step === 'final') completions.push(performance.now());
      },
    }),
  });
  const scratch = await mkdtemp(join(tmpdir(), 'ruling-intake-bench-noop-'));
  try {
    const pdfs = await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      4,
      (i) =>
        pdfFromText(
          extractText({
            ruling: String(60_000 + i),
            rrn: nationalNumber(
              `0101${String(1 + (i % 28)).padStart(2, '0')}`,
              100 + Math.floor(i / 28),
              true,
            ),
            surname: 'Bench',
            givenNames: 'Student',
          }),
        ),
    );
    stack.queue.pause();
    const ids = await mapLimit(pdfs, 8, (pdf) => upload(pdf));
    const bodies = ids.map((id) => s3EventBody(stack.state.bucket, `incoming/griffie-test/${id}.pdf`));

    // Baseline first, on a quiet machine as the real run will be.
    const noop = await drainWithNoop(scratch, bodies);

    const t = performance.now();
    stack.queue.resume();
    await stack.queue.drain(900_000);
    const seconds = (performance.now() - t) / 1000;
    const deps = await intakeDeps();
    const statuses = await Promise.all(ids.map((id) => deps.statuses.get(id)));
    const applied = statuses.filter((s) => s?.status === 'APPLIED' && s.extractDeleted).length;
    if (applied !== count) throw new Error(`only ${applied} of ${count} extracts were applied`);

    const real = windowRates(completions, window);
    const base = windowRates(noop.completions, window);
    const realRate = count / seconds;
    const noopRate = count / noop.seconds;
    const total = stats([...perIntake.values()]);
    const realW = stats(real);
    const baseW = stats(base);
    const low = (xs: number[]) =>
      quantile(
        [...xs].sort((a, b) => a - b),
        0.05,
      );
    return [
      '## Intake through the local stack',
      '',
      `A backlog of ${int(count)} valid one-page extracts (pdf-lib, one new student each), uploaded while the queue was paused, then drained by the real handler (batches of ${LIMITS.intakeBatchSize}, 2 batches at once, records in parallel). Baseline: the same ${int(count)} S3 event messages drained by a handler that does nothing, through a \`LocalQueue\` with the stack's options (journal on the same disk). Throughput per window = ${window} consecutive completions ÷ their time span; "p5" is the slowest 5 % of windows.`,
      '',
      ...table(
        ['', 'extracts/s overall', 'window median /s', 'window p5 /s', 'drain time s'],
        [
          [
            'intake (real handler)',
            realRate.toFixed(1),
            realW.median.toFixed(1),
            low(real).toFixed(1),
            seconds.toFixed(1),
          ],
          [
            'do-nothing handler (baseline)',
            noopRate.toFixed(0),
            baseW.median.toFixed(0),
            low(base).toFixed(0),
            noop.seconds.toFixed(2),
          ],
          [
            'ratio intake ÷ baseline',
            ratio(realRate, noopRate),
            ratio(realW.median, baseW.median),
            ratio(low(real), low(base)),
            '',
          ],
        ],
      ),
      '',
      `Handler time per extract (sum of its steps): median ${ms(total.median, 1)} ms, p95 ${ms(total.p95, 1)} ms over ${int(total.n)} extracts.`,
      '',
      ...table(
        ['step', 'work', 'median ms', 'p95 ms', 'share of summed medians'],
        (() => {
          const medians = INTAKE_STEPS.map((s) => stats(timings.get(s)!).median);
          const sum = medians.reduce((a, b) => a + b, 0);
          return INTAKE_STEPS.map((s, i) => {
            const st = stats(timings.get(s)!);
            return [
              s,
              STEP_WORK[s],
              ms(st.median),
              ms(st.p95),
              `${((100 * medians[i]!) / sum).toFixed(0)} %`,
            ];
          });
        })(),
      ),
      '',
    ];
  } finally {
    await stack.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}
