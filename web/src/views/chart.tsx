/**
 * Consultations per institution per day, drawn as a small SVG (no chart library): one bar per
 * institution per day, allowed in the institution's colour, denied attempts stacked on top in
 * hatched red. The same numbers follow as a table for screen readers and for copying.
 */
import { useI18n } from '../i18n.js';
import type { AuditChart } from '../types.js';
import { DataTable } from '../ui.js';

/** Okabe–Ito colours (distinguishable with colour-vision deficiencies), then a few dark extras. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#332288', '#666666'];

interface Counts {
  allowed: number;
  denied: number;
}

export interface ChartData {
  readonly institutions: readonly string[];
  /** institution → day → counts */
  readonly counts: ReadonlyMap<string, ReadonlyMap<string, Counts>>;
  readonly max: number;
  readonly deniedWithoutInstitution: number;
}

/** The chart's counts from the API's per-day counters (`-`: actors without an institution). */
export function chartData(rows: AuditChart['counts'], days: readonly string[]): ChartData {
  const inRange = new Set(days);
  const counts = new Map<string, Map<string, Counts>>();
  const totals = new Map<string, number>();
  let deniedWithoutInstitution = 0;
  let max = 0;
  for (const r of rows) {
    if (!inRange.has(r.day)) continue;
    if (r.institution === '-') {
      deniedWithoutInstitution += r.denied;
      continue;
    }
    const perDay = counts.get(r.institution) ?? new Map<string, Counts>();
    counts.set(r.institution, perDay);
    const c = perDay.get(r.day) ?? { allowed: 0, denied: 0 };
    perDay.set(r.day, c);
    c.allowed += r.allowed;
    c.denied += r.denied;
    max = Math.max(max, c.allowed + c.denied);
    totals.set(r.institution, (totals.get(r.institution) ?? 0) + r.allowed + r.denied);
  }
  const institutions = [...totals.keys()]
    .filter((inst) => totals.get(inst)! > 0)
    .sort((a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b));
  return { institutions, counts, max, deniedWithoutInstitution };
}

function niceStep(max: number): number {
  const raw = Math.max(1, max) / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  return Math.max(1, Math.round(step));
}

export function AccessChart(props: { counts: AuditChart['counts']; days: readonly string[] }) {
  const { t, lang } = useI18n();
  const data = chartData(props.counts, props.days);
  const { days } = props;
  const fmtDay = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-BE' : 'en-GB', {
    day: 'numeric',
    month: 'numeric',
  });
  const label = (day: string) => fmtDay.format(new Date(`${day}T12:00:00`));
  if (data.institutions.length === 0) {
    return (
      <>
        <p class="card">{t('chartNone')}</p>
        {data.deniedWithoutInstitution ? (
          <p>{t('chartOther', { n: data.deniedWithoutInstitution })}</p>
        ) : null}
      </>
    );
  }
  const step = niceStep(data.max);
  const top = Math.max(step, Math.ceil(data.max / step) * step);
  const W = 880;
  const H = 300;
  const m = { l: 44, r: 12, t: 14, b: 34 };
  const plotW = W - m.l - m.r;
  const plotH = H - m.t - m.b;
  const slot = plotW / days.length;
  const n = data.institutions.length;
  const barW = Math.max(2, Math.min(22, (slot * 0.78) / n));
  const y = (v: number) => m.t + plotH - (v / top) * plotH;
  const labelEvery = Math.ceil(days.length / 16);
  const color = (i: number) => PALETTE[i % PALETTE.length]!;
  const summary = data.institutions
    .map((inst) => {
      let a = 0;
      let d = 0;
      for (const c of data.counts.get(inst)?.values() ?? []) {
        a += c.allowed;
        d += c.denied;
      }
      return `${inst}: ${a} ${t('chartAllowed').toLowerCase()}, ${d} ${t('chartDenied').toLowerCase()}`;
    })
    .join('; ');

  return (
    <figure class="card chart">
      <figcaption id="chart-caption">{t('chartTitle')}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby="chart-caption chart-summary"
        class="chart-svg"
        preserveAspectRatio="xMidYMid meet"
      >
        <desc id="chart-summary">{summary}</desc>
        <defs>
          {/* Denied: red hatching over a pale version of the institution's colour (so a bar of only
              denied attempts still says whose it is), red outline. */}
          {[...data.institutions.map((_, i) => color(i)), '#fde8e8'].map((c, i) => (
            <pattern
              key={i}
              id={`denied-hatch-${i}`}
              width="6"
              height="6"
              patternUnits="userSpaceOnUse"
              patternTransform="rotate(45)"
            >
              <rect width="6" height="6" fill="#ffffff" />
              <rect width="6" height="6" fill={c} fill-opacity="0.45" />
              <line x1="0" y1="0" x2="0" y2="6" stroke="#b00020" stroke-width="2.5" />
            </pattern>
          ))}
        </defs>
        {Array.from({ length: top / step + 1 }, (_, i) => i * step).map((v) => (
          <g key={v} class="grid">
            <line x1={m.l} x2={W - m.r} y1={y(v)} y2={y(v)} stroke={v === 0 ? '#1d1d1b' : '#d6d9de'} />
            <text x={m.l - 6} y={y(v) + 4} text-anchor="end" class="axis">
              {v}
            </text>
          </g>
        ))}
        {days.map((day, di) => {
          const x0 = m.l + di * slot + (slot - barW * n) / 2;
          return (
            <g key={day}>
              {data.institutions.map((inst, ii) => {
                const c = data.counts.get(inst)?.get(day);
                if (!c) return null;
                const x = x0 + ii * barW;
                const yA = y(c.allowed);
                const yD = y(c.allowed + c.denied);
                return (
                  <g key={inst} class="bar" data-institution={inst} data-day={day}>
                    <title>{`${inst} · ${label(day)} — ${t('chartAllowed')}: ${c.allowed}, ${t('chartDenied')}: ${c.denied}`}</title>
                    {c.allowed ? (
                      <rect x={x} y={yA} width={barW - 1} height={y(0) - yA} fill={color(ii)} />
                    ) : null}
                    {c.denied ? (
                      <rect
                        x={x}
                        y={yD}
                        width={barW - 1}
                        height={yA - yD}
                        fill={`url(#denied-hatch-${ii})`}
                        stroke="#b00020"
                        stroke-width="1.5"
                        class="denied"
                      />
                    ) : null}
                  </g>
                );
              })}
              {di % labelEvery === 0 ? (
                <text x={m.l + di * slot + slot / 2} y={H - m.b + 18} text-anchor="middle" class="axis">
                  {label(day)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <ul class="legend">
        {data.institutions.map((inst, i) => (
          <li key={inst}>
            <svg viewBox="0 0 12 12" class="swatch" aria-hidden="true">
              <rect width="12" height="12" fill={color(i)} />
            </svg>
            {inst}
          </li>
        ))}
        <li>
          <svg viewBox="0 0 12 12" class="swatch" aria-hidden="true">
            <rect width="12" height="12" fill={`url(#denied-hatch-${n})`} stroke="#b00020" />
          </svg>
          {t('chartDenied')}
        </li>
      </ul>
      {data.deniedWithoutInstitution ? (
        <p class="muted">{t('chartOther', { n: data.deniedWithoutInstitution })}</p>
      ) : null}
      <details>
        <summary>{t('chartTable')}</summary>
        <DataTable
          label={t('chartTable')}
          columns={[
            { head: t('colDay'), cell: (r) => label(r.day) },
            { head: t('colInstitution'), cell: (r) => r.inst },
            { head: t('chartAllowed'), num: true, cell: (r) => r.allowed },
            { head: t('chartDenied'), num: true, cell: (r) => r.denied },
          ]}
          rows={days.flatMap((day) =>
            data.institutions.flatMap((inst) => {
              const c = data.counts.get(inst)?.get(day);
              return c ? [{ day, inst, ...c }] : [];
            }),
          )}
          rowKey={(r) => `${r.day}-${r.inst}`}
        />
      </details>
    </figure>
  );
}
