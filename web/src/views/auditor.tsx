/**
 * Auditor / DPO: the access log (filters, paging, CSV export), a chart of consultations per
 * institution per day with denied attempts, the integrity check of the signed chain, and the
 * data-subject report. Every one of these queries is itself written to the log by the API.
 */
import { useEffect, useState } from 'preact/hooks';
import { maskNationalNumber, stripSeparators } from '../../../shared/domain/national-number.js';
import { PROBLEM_KINDS } from '../../../shared/contract/problem-kinds.js';
import { downloadText } from '../api.js';
import { csvParse } from '../csv.js';
import { useI18n, isKey, type Key } from '../i18n.js';
import type {
  AuditAlerts,
  AuditChart as ChartCounts,
  AuditEventsPage,
  AuditRecord,
  FullVerificationStatus,
  SubjectReport,
  Verification,
} from '../types.js';
import {
  Badge,
  CardForm,
  CreditLinesTable,
  DataTable,
  Figure,
  FormActions,
  NationalNumberField,
  Notice,
  PageTitle,
  Problem,
  Select,
  TextField,
  INSTITUTIONS,
  institutionLabel,
  isValidNationalNumber,
  shortId,
  useAction,
  useApp,
  type Column,
} from '../ui.js';
import { AccessChart } from './chart.js';

const ACTIONS = ['credit.read', 'enrolment.declare', 'ledger', 'intake', 'held', 'import', 'audit', 'api'];
const OUTCOMES = [
  'ALLOWED',
  'DENIED',
  'APPLIED',
  'DUPLICATE',
  'REJECTED',
  'HELD',
  'PAUSED',
  'RUNNING',
  'APPROVED',
];
const PAGE_SIZE = 25;

interface Filters {
  subject: string;
  actor: string;
  institution: string;
  action: string;
  outcome: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { subject: '', actor: '', institution: '', action: '', outcome: '', from: '', to: '' };

/**
 * Start of a UTC day, or its last millisecond, as ISO 8601: the log's periods are UTC days, like
 * the chart's and the counters' (a period of whole days has a total; part of a day has none).
 */
const dayStart = (d: string): string => `${d}T00:00:00.000Z`;
const dayEnd = (d: string): string => `${d}T23:59:59.999Z`;

function query(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.subject) q.set('subject', stripSeparators(f.subject));
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  if (f.institution) q.set('institution', f.institution);
  if (f.action) q.set('action', f.action);
  if (f.outcome) q.set('outcome', f.outcome);
  if (f.from) q.set('from', dayStart(f.from));
  if (f.to) q.set('to', dayEnd(f.to));
  return q;
}

function Actor(props: { actor: AuditRecord['actor'] }) {
  const { t } = useI18n();
  const { actor } = props;
  const role = `role_${actor.role}`;
  return (
    <span class="actor">
      <span class="actor-id">{actor.id}</span>
      <span class="actor-role">
        {isKey(role) ? t(role) : actor.role}
        {actor.institution ? ` · ${actor.institution}` : ''}
      </span>
    </span>
  );
}

type EventRecord = Omit<AuditRecord, 'subject'> & { subject?: string };

export function EventsTable(props: {
  records: readonly EventRecord[];
  label: string;
  /** The pseudonym column (not in a report about one person). */
  subject?: boolean;
  /** Said instead of the table when there are no records. */
  empty: string;
}) {
  const { t, dateTime } = useI18n();
  const columns: Column<EventRecord>[] = [
    { head: t('colAt'), class: 'nowrap', cell: (r) => dateTime(r.at) },
    { head: t('colActor'), cell: (r) => <Actor actor={r.actor} /> },
    { head: t('colAction'), cell: (r) => <code>{r.action}</code> },
    ...((props.subject ?? true)
      ? [
          {
            head: t('colSubject'),
            cell: (r: EventRecord) => <span title={r.subject}>{shortId(r.subject)}</span>,
          },
        ]
      : []),
    { head: t('colPurpose'), cell: (r) => r.purpose },
    { head: t('colOutcome'), cell: (r) => <Badge tone={r.outcome}>{r.outcome}</Badge> },
  ];
  return (
    <DataTable
      label={props.label}
      class="events"
      columns={columns}
      rows={props.records}
      rowKey={(r) => r.id}
      rowProps={(r) => ({ 'data-action': r.action, 'data-outcome': r.outcome })}
      empty={props.empty}
    />
  );
}

/**
 * The total of the log's view (unfiltered, or one institution, over whole UTC days) from the
 * sealer's counters, with its period and the instant it is counted up to ("≈" when the period runs
 * past it: newer records are not counted yet). Other filters have no total: "—", never a number
 * that is not the count.
 */
function TotalLine(props: { page: AuditEventsPage; filters: Filters }) {
  const { t, num, date, dateTime } = useI18n();
  const { page, filters } = props;
  if (page.total === undefined || !page.countedUpTo)
    return (
      <p class="muted log-total" data-total="none">
        {t('logTotalNone')}
      </p>
    );
  const day = (d: string) => date(`${d}T12:00:00.000Z`);
  const period =
    filters.from && filters.to
      ? t('logTotalFromTo', { from: day(filters.from), to: day(filters.to) })
      : filters.from
        ? t('logTotalFrom', { from: day(filters.from) })
        : filters.to
          ? t('logTotalTo', { to: day(filters.to) })
          : '';
  const open = !filters.to || dayEnd(filters.to) > page.countedUpTo;
  return (
    <p class="log-total" data-total={page.total}>
      <strong>
        {t('logTotal', {
          scope: filters.institution ? t('logTotalScope', { institution: filters.institution }) : '',
          period,
          approx: open ? '≈ ' : '',
          n: num(page.total),
          c: page.total,
        })}
      </strong>{' '}
      <span class="muted">
        ({t(open ? 'logTotalCounted' : 'logTotalExact', { at: dateTime(page.countedUpTo) })})
      </span>
    </p>
  );
}

export function AuditLog() {
  const { t } = useI18n();
  const { api } = useApp();
  const [form, setForm] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>();
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<AuditEventsPage>();
  const [touched, setTouched] = useState(false);
  const [exported, setExported] = useState<number>();
  const set = (k: keyof Filters) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  const load = useAction(async (f: Filters, cursor: string | undefined) => {
    const q = query(f);
    q.set('limit', String(PAGE_SIZE));
    if (cursor) q.set('next', cursor);
    setPage(await api.json<AuditEventsPage>('GET', `/v1/audit/events?${q}`));
    return true;
  });
  const exportCsv = useAction(async (f: Filters) => {
    const csv = await api.text(`/v1/audit/events?${query(f)}`, 'text/csv');
    downloadText(`audit-events-${new Date().toISOString().slice(0, 10)}.csv`, csv);
    setExported(Math.max(0, ((await csvParse())(csv) as unknown[]).length - 1));
  });

  const submit = (e: Event) => {
    e.preventDefault();
    setTouched(true);
    if (form.subject && !isValidNationalNumber(form.subject)) return;
    setApplied(form);
    setCursors([]);
    setExported(undefined);
    void load.run(form, undefined);
  };

  const institutionOptions = [
    { value: '', label: t('fAny') },
    ...INSTITUTIONS.map((i) => ({ value: i.code, label: `${i.code} — ${i.name}` })),
  ];

  return (
    <>
      <PageTitle>{t('logTitle')}</PageTitle>
      <p class="lead">{t('logIntro')}</p>
      <form class="card filters" onSubmit={submit} noValidate aria-label={t('filters')}>
        <NationalNumberField
          label={t('fSubject')}
          name="subject"
          value={form.subject}
          onInput={set('subject')}
          touched={touched && Boolean(form.subject)}
        />
        <TextField
          label={t('fActor')}
          name="actor"
          value={form.actor}
          onInput={set('actor')}
          autoComplete="off"
        />
        <Select
          label={t('fInstitution')}
          value={form.institution}
          onChange={set('institution')}
          options={institutionOptions}
        />
        <Select
          label={t('fAction')}
          value={form.action}
          onChange={set('action')}
          options={[
            { value: '', label: t('fAny') },
            ...ACTIONS.map((a) => ({ value: a, label: a.includes('.') ? a : `${a}.*` })),
          ]}
        />
        <Select
          label={t('fOutcome')}
          value={form.outcome}
          onChange={set('outcome')}
          options={[{ value: '', label: t('fAny') }, ...OUTCOMES.map((o) => ({ value: o, label: o }))]}
        />
        <TextField label={t('fFrom')} name="from" type="date" value={form.from} onInput={set('from')} />
        <TextField label={t('fTo')} name="to" type="date" value={form.to} onInput={set('to')} />
        <FormActions submit={t('search')} busy={load.busy}>
          <button
            type="button"
            onClick={() => {
              setForm(EMPTY);
              setTouched(false);
            }}
          >
            {t('reset')}
          </button>
          <button
            type="button"
            disabled={!applied || exportCsv.busy}
            onClick={() => applied && void exportCsv.run(applied)}
          >
            {t('exportCsv')}
          </button>
        </FormActions>
      </form>
      <Problem error={load.error ?? exportCsv.error} />
      {exported !== undefined ? <Notice kind="ok">{t('exported', { n: exported })}</Notice> : null}
      {page ? (
        <section aria-labelledby="events-title">
          <h2 id="events-title" class="visually-hidden">
            {t('results', { n: page.items.length })}
          </h2>
          <TotalLine page={page} filters={applied ?? EMPTY} />
          <EventsTable records={page.items} label={t('logTitle')} empty={t('noEvents')} />
          <nav class="pager" aria-label={t('page', { n: cursors.length + 1 })}>
            <button
              type="button"
              disabled={cursors.length === 0 || load.busy}
              onClick={() => {
                // The page number changes once the page is there.
                const prev = cursors.slice(0, -1);
                void load.run(applied ?? EMPTY, prev[prev.length - 1]).then((ok) => ok && setCursors(prev));
              }}
            >
              ← {t('previous')}
            </button>
            <span>{t('page', { n: cursors.length + 1 })}</span>
            <button
              type="button"
              disabled={!page.next || load.busy}
              onClick={() => {
                const next = page.next;
                if (!next) return;
                void load.run(applied ?? EMPTY, next).then((ok) => ok && setCursors([...cursors, next]));
              }}
            >
              {t('next')} →
            </button>
          </nav>
        </section>
      ) : null}
    </>
  );
}

/** The period picker of the per-day views (chart, alerts): the last 7, 14 or 31 days and Refresh. */
function DaysToolbar(props: {
  days: string;
  busy: boolean;
  setDays: (days: string) => void;
  load: (days: number) => void;
}) {
  const { t } = useI18n();
  return (
    <div class="card toolbar">
      <Select
        label={t('chartDays')}
        value={props.days}
        onChange={(v) => {
          props.setDays(v);
          props.load(Number(v));
        }}
        options={['7', '14', '31'].map((n) => ({ value: n, label: t('chartLast', { n }) }))}
      />
      <button type="button" onClick={() => props.load(Number(props.days))} disabled={props.busy}>
        {t('refresh')}
      </button>
    </div>
  );
}

export function AuditChart() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  const [days, setDays] = useState('14');
  const [chart, setChart] = useState<ChartCounts>();
  // The sealer's per-day counters: one read per day shown, whatever the log holds.
  const load = useAction(async (n: number) => {
    setChart(await api.json<ChartCounts>('GET', `/v1/audit/chart?days=${n}`));
  });
  useEffect(() => {
    void load.run(Number(days));
  }, []);
  return (
    <>
      <PageTitle>{t('chartTitle')}</PageTitle>
      <p class="lead">{t('chartIntro')}</p>
      <DaysToolbar days={days} busy={load.busy} load={(n) => void load.run(n)} setDays={setDays} />
      <Problem error={load.error} />
      {chart ? (
        <>
          <AccessChart counts={chart.counts} days={chart.days} />
          <p class="muted">
            {chart.countedUpTo
              ? t('chartCounted', { at: dateTime(chart.countedUpTo) })
              : t('chartNotCounted')}
          </p>
        </>
      ) : (
        <p>{t('loading')}</p>
      )}
    </>
  );
}

/**
 * The auditors' alerts (`GET /v1/audit/alerts`): per institution and UTC day, self-declared
 * enrolments, reads of students not enrolled through DHO and denied attempts above their
 * thresholds, from the sealer's per-day counters (one read per day shown).
 */
export function AuditAlertList() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  const [days, setDays] = useState('7');
  const [list, setList] = useState<AuditAlerts>();
  const load = useAction(async (n: number) => {
    setList(await api.json<AuditAlerts>('GET', `/v1/audit/alerts?days=${n}`));
  });
  useEffect(() => {
    void load.run(Number(days));
  }, []);
  type Alert = AuditAlerts['alerts'][number];
  const columns: readonly Column<Alert>[] = [
    { head: t('colDay'), cell: (a) => a.day },
    { head: t('colInstitution'), cell: (a) => institutionLabel(a.institution) },
    { head: t('colAlertKind'), cell: (a) => t(`alert_${a.kind}`) },
    { head: t('colCount'), num: true, cell: (a) => a.count },
    { head: t('colThreshold'), num: true, cell: (a) => a.threshold },
  ];
  return (
    <>
      <PageTitle>{t('alertsTitle')}</PageTitle>
      <p class="lead">{t('alertsIntro')}</p>
      <DaysToolbar days={days} busy={load.busy} load={(n) => void load.run(n)} setDays={setDays} />
      <Problem error={load.error} />
      {list ? (
        <>
          <DataTable
            label={t('alertsTitle')}
            class="alerts"
            columns={columns}
            rows={list.alerts}
            rowKey={(a) => `${a.day} ${a.institution} ${a.kind}`}
            rowProps={(a) => ({ 'data-kind': a.kind, 'data-institution': a.institution })}
            empty={t('alertsNone')}
          />
          <p class="muted">
            {t('alertsThresholds', {
              declared: list.thresholds['self-declared-enrolments'],
              nonDho: list.thresholds['non-dho-reads'],
              denied: list.thresholds['denied-attempts'],
            })}{' '}
            {list.countedUpTo ? t('chartCounted', { at: dateTime(list.countedUpTo) }) : t('chartNotCounted')}
          </p>
        </>
      ) : (
        <p>{t('loading')}</p>
      )}
    </>
  );
}

const PROBLEM_KIND_SET: ReadonlySet<string> = new Set(PROBLEM_KINDS);

export function AuditVerify() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  const [result, setResult] = useState<Verification>();
  const [period, setPeriod] = useState({ from: '', to: '' });
  const [full, setFull] = useState<FullVerificationStatus>();
  // What was sealed since the last verified head, plus the records of the period when one is given.
  const verify = useAction(async () => {
    setResult(undefined);
    const q = new URLSearchParams();
    if (period.from) q.set('from', dayStart(period.from));
    if (period.to) q.set('to', dayEnd(period.to));
    const query = q.size ? `?${q}` : '';
    setResult(await api.json<Verification>('GET', `/v1/audit/verify${query}`));
  });
  const fullStatus = useAction(async () => {
    setFull(await api.json<FullVerificationStatus>('GET', '/v1/audit/verify/full'));
  });
  const startFull = useAction(async () => {
    setFull(await api.json<FullVerificationStatus>('POST', '/v1/audit/verify/full'));
  });
  useEffect(() => {
    void fullStatus.run();
  }, []);
  // The sealer runs the full verification in slices: follow it while it runs.
  useEffect(() => {
    if (!full || full.status === 'idle') return;
    const timer = setTimeout(() => void fullStatus.run(), 3000);
    return () => clearTimeout(timer);
  }, [full]);
  const kind = (k: string) => (PROBLEM_KIND_SET.has(k) ? t(`kind_${k}` as Key) : k);
  const last = full?.lastResult;
  const lastResult = last?.result as
    | {
        ok?: boolean;
        finishedAt?: string;
        checkedRecords?: number;
        checkedCheckpoints?: number;
        problemCount?: number;
        sweptRecords?: number;
        problems?: { kind: string; recordId?: string; detail: string }[];
      }
    | undefined;
  return (
    <>
      <PageTitle>{t('verifyTitle')}</PageTitle>
      <p class="lead">{t('verifyIntro')}</p>
      <div class="card toolbar">
        <TextField
          label={t('fFrom')}
          name="verify-from"
          type="date"
          value={period.from}
          onInput={(v) => setPeriod({ ...period, from: v })}
        />
        <TextField
          label={t('fTo')}
          name="verify-to"
          type="date"
          value={period.to}
          onInput={(v) => setPeriod({ ...period, to: v })}
        />
        <button type="button" class="button-primary" onClick={() => void verify.run()} disabled={verify.busy}>
          {verify.busy ? t('loading') : t('verifyRun')}
        </button>
      </div>
      <p class="hint">{t('verifyPeriodHint')}</p>
      <Problem error={verify.error} />
      {result ? (
        <section
          class={`card verdict ${result.ok ? 'verdict-ok' : 'verdict-bad'}`}
          aria-labelledby="verdict"
          role="status"
        >
          <h2 id="verdict">{result.ok ? `✓ ${t('verifyOk')}` : `✗ ${t('verifyBroken')}`}</h2>
          <p>
            {t('verifyStats', {
              records: result.checkedRecords,
              checkpoints: result.checkedCheckpoints,
              pending: result.pending,
            })}
          </p>
          {result.sealedUpTo ? (
            <p class="muted">
              {t('verifySealed', { at: dateTime(result.sealedUpTo), seq: result.latestSequence ?? '—' })}
            </p>
          ) : null}
          {result.firstProblem ? (
            <div class="first-problem">
              <h3>{t('verifyFirst')}</h3>
              <dl class="pairs">
                <dt>{t('verifyKind')}</dt>
                <dd>
                  <strong>{kind(result.firstProblem.kind)}</strong>
                </dd>
                {result.firstProblem.recordId ? (
                  <>
                    <dt>{t('verifyRecord')}</dt>
                    <dd>
                      <code>{result.firstProblem.recordId}</code>
                    </dd>
                  </>
                ) : null}
                {result.firstProblem.checkpoint !== undefined ? (
                  <>
                    <dt>{t('verifyCheckpoint')}</dt>
                    <dd>{result.firstProblem.checkpoint}</dd>
                  </>
                ) : null}
                <dt>{t('verifyDetail')}</dt>
                <dd>{result.firstProblem.detail}</dd>
              </dl>
            </div>
          ) : null}
          {result.problems.length > 1 ? (
            <details>
              <summary>{t('verifyAll', { n: result.problems.length })}</summary>
              <ul>
                {result.problems.map((p, i) => (
                  <li key={i}>
                    <strong>{kind(p.kind)}</strong> {p.recordId ? <code>{p.recordId}</code> : null}{' '}
                    {p.checkpoint !== undefined ? `#${p.checkpoint}` : ''} — {p.detail}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          {result.problemsOutsideRange ? (
            <p>{t('verifyOutside', { n: result.problemsOutsideRange })}</p>
          ) : null}
          {result.publicKeyPem ? (
            <details>
              <summary>{t('verifyKey')}</summary>
              <pre class="pem">{result.publicKeyPem}</pre>
              <button
                type="button"
                onClick={() =>
                  downloadText('audit-key.pem', result.publicKeyPem ?? '', 'application/x-pem-file')
                }
              >
                {t('download')}
              </button>
            </details>
          ) : null}
        </section>
      ) : null}
      <section class="card full-verification" aria-labelledby="full-title">
        <h2 id="full-title">{t('fullTitle')}</h2>
        <p class="hint">{t('fullIntro')}</p>
        <p>
          <button
            type="button"
            onClick={() => void startFull.run()}
            disabled={startFull.busy || (full !== undefined && full.status !== 'idle')}
          >
            {t('fullStart')}
          </button>
        </p>
        <Problem error={startFull.error ?? fullStatus.error} />
        {full && full.status !== 'idle' ? (
          <p role="status" class="full-progress">
            {t('fullRunning', {
              checkpoints: full.progress?.checkedCheckpoints ?? 0,
              records: full.progress?.checkedRecords ?? 0,
            })}
          </p>
        ) : null}
        {last && lastResult ? (
          <div class="full-result" data-ok={String(lastResult.ok)}>
            <p>
              <strong>{lastResult.ok ? `✓ ${t('verifyOk')}` : `✗ ${t('verifyBroken')}`}</strong>{' '}
              {t('fullDone', {
                at: lastResult.finishedAt ? dateTime(lastResult.finishedAt) : '—',
                records: lastResult.checkedRecords ?? 0,
                checkpoints: lastResult.checkedCheckpoints ?? 0,
              })}
            </p>
            {lastResult.sweptRecords !== undefined ? (
              <p class="muted">{t('fullSwept', { records: lastResult.sweptRecords })}</p>
            ) : null}
            <p class="muted">{last.signatureValid ? t('fullSigned') : t('fullUnsigned')}</p>
            {(lastResult.problems ?? []).length ? (
              <ul>
                {(lastResult.problems ?? []).map((p, i) => (
                  <li key={i}>
                    <strong>{kind(p.kind)}</strong> {p.recordId ? <code>{p.recordId}</code> : null} —{' '}
                    {p.detail}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </section>
    </>
  );
}

export function AuditSubject() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  const [number, setNumber] = useState('');
  const [touched, setTouched] = useState(false);
  const [report, setReport] = useState<SubjectReport>();
  const [asked, setAsked] = useState<string>();
  const get = useAction(async (digits: string) => {
    setReport(undefined);
    setAsked(maskNationalNumber(digits));
    setReport(await api.json<SubjectReport>('GET', `/v1/audit/subjects/${encodeURIComponent(digits)}`));
  });
  return (
    <>
      <PageTitle>{t('subjectTitle')}</PageTitle>
      <p class="lead">{t('subjectIntro')}</p>
      <CardForm
        onSubmit={() => {
          setTouched(true);
          if (!isValidNationalNumber(number)) return;
          const digits = stripSeparators(number);
          setNumber('');
          setTouched(false);
          void get.run(digits);
        }}
      >
        <NationalNumberField label={t('nn')} value={number} onInput={setNumber} required touched={touched} />
        <FormActions submit={t('subjectRun')} busy={get.busy} />
      </CardForm>
      {get.error ? <p class="muted">{asked}</p> : null}
      <Problem error={get.error} />
      {report ? (
        <section class="card result" aria-labelledby="subject-title">
          <h2 id="subject-title">{report.nationalNumber}</h2>
          {!report.known ? <p>{t('subjectUnknown')}</p> : null}
          <dl class="figures">
            {report.name ? (
              <Figure label={t('name')} small>
                {report.name.surname}, {report.name.givenNames}
              </Figure>
            ) : null}
            {report.balance !== undefined ? (
              <Figure label={t('balance')}>{t('credits', { n: report.balance })}</Figure>
            ) : null}
            {report.openingBalance !== undefined ? (
              <Figure label={t('opening')} small>
                {t('credits', { n: report.openingBalance })}
              </Figure>
            ) : null}
          </dl>
          <h3>{t('ledgerEntries')}</h3>
          <CreditLinesTable label={t('ledgerEntries')} lines={report.ledgerEntries} empty={t('none')} />
          <h3>{t('enrolments')}</h3>
          {report.enrolments.length === 0 ? (
            <p>{t('none')}</p>
          ) : (
            <ul>
              {report.enrolments.map((e, i) => (
                <li key={i}>
                  {institutionLabel(e.institution)} · {e.academicYear} · {e.source} · {e.by} ·{' '}
                  {dateTime(e.at)}
                </li>
              ))}
            </ul>
          )}
          <h3>{t('accesses')}</h3>
          <EventsTable records={report.accesses} label={t('accesses')} subject={false} empty={t('none')} />
        </section>
      ) : null}
    </>
  );
}
