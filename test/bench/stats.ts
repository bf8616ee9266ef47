/** Small statistics and formatting helpers shared by the benchmark sections. */

export interface Stats {
  readonly median: number;
  readonly p95: number;
  readonly n: number;
}

/** Nearest-rank quantile of an ascending-sorted sample. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p95: quantile(s, 0.95), n: s.length };
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times measured (ms per call). */
export async function time(fn: () => Promise<unknown>, runs: number, warmup = 5): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

/**
 * Alternates two measurements call by call (A, B, A, B, …) so that both see the same machine
 * state (thermal, other load); returns both sample sets' statistics.
 */
export async function timePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
  warmup = 5,
): Promise<{ a: Stats; b: Stats }> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await a();
    sa.push(performance.now() - t);
    t = performance.now();
    await b();
    sb.push(performance.now() - t);
  }
  return { a: stats(sa), b: stats(sb) };
}

export const ms = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
/** `v ÷ base`: two decimals, or two significant digits below 0.1 (0.0061×, not 0.01×). */
export const ratio = (v: number, base: number): string => {
  const r = v / base;
  if (!Number.isFinite(r)) return '–';
  return `${r >= 0.1 || r === 0 ? r.toFixed(2) : r.toPrecision(2)}×`;
};
export const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
export const kib = (bytes: number): string =>
  bytes < 10 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024).toFixed(0)} KiB`;

/** A Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}
