/**
 * AHOVOKS operator: the intake switch (protocol art. 8) with the queue and dead-letter counts and
 * the redrive of dead letters, the held extracts with approve / reject, and imports from DHO with
 * their line reports.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { useI18n, isKey } from '../i18n.js';
import type {
  HeldItem,
  HeldPage,
  ImportReport,
  IntakeSwitch,
  PublicStatus,
  RedriveResult,
} from '../types.js';
import {
  DEAD_LETTER_COUNT,
  DEAD_LETTER_QUEUES,
  type DeadLetterQueue,
} from '../../../shared/domain/dead-letters.js';
import {
  Badge,
  CardForm,
  Count,
  CsvFileField,
  DataTable,
  FormActions,
  FormError,
  Notice,
  PageTitle,
  Problem,
  useAction,
  useApp,
  usePolling,
  wrongCsvKind,
  type Column,
} from '../ui.js';

/** The first line of an import: its header (or, without one, a national number). */
const IMPORT_HEADER = {
  balances: /^\s*"?(\d|nationalnumber"?\s*[,;]\s*"?surname)/i,
  enrolments: /^\s*"?(\d|nationalnumber"?\s*[,;]\s*"?institution)/i,
} as const;

const QUEUE_ORDER = ['visible', 'inFlight', 'delayed', 'deadLetters'];
const DEAD_LETTER_KEYS: readonly string[] = Object.values(DEAD_LETTER_COUNT);

/** The context of a held extract: ruling, docket, masked number, names read vs registered, credits. */
function HeldReviewView(props: { item: HeldItem }) {
  const { t } = useI18n();
  const r = props.item.review;
  if (!r) return null;
  const name = (n?: { surname: string; givenNames: string }) => (n ? `${n.surname}, ${n.givenNames}` : '—');
  const differs =
    r.nameRead && r.nameRegistered && name(r.nameRead).toLowerCase() !== name(r.nameRegistered).toLowerCase();
  return (
    <div class="held-review">
      <dl class="held-facts">
        <dt>{t('heldDocket')}</dt>
        <dd>{r.docket}</dd>
        <dt>{t('heldRulingDate')}</dt>
        <dd>{r.rulingDate}</dd>
        <dt>{t('heldNumber')}</dt>
        <dd>{r.nationalNumber}</dd>
        <dt>{t('heldNameRead')}</dt>
        <dd class={differs ? 'name-differs' : undefined}>{name(r.nameRead)}</dd>
        <dt>{t('heldNameRegistered')}</dt>
        <dd class={differs ? 'name-differs' : undefined}>{name(r.nameRegistered)}</dd>
      </dl>
      <table class="held-lines">
        <caption>{t('heldLines')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('heldYear')}</th>
            <th scope="col">{t('heldInstitution')}</th>
            <th scope="col">{t('heldProgramme')}</th>
            <th scope="col">{t('heldCredits')}</th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr key={`${l.academicYear}-${l.institution}-${l.programme}`}>
              <td>{l.academicYear}</td>
              <td>{l.institution}</td>
              <td>{l.programme}</td>
              <td>
                {l.returned}/{l.requested}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(r.pageImages ?? []).map((page) => (
        <HeldPageImage key={page} intakeId={props.item.intakeId} page={page} />
      ))}
    </div>
  );
}

/** The image of a page of a held scan, beside the values read (fetched with the operator's token). */
function HeldPageImage(props: { intakeId: string; page: number }) {
  const { t } = useI18n();
  const { api } = useApp();
  const [image, setImage] = useState<HeldPage>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api
      .json<HeldPage>('GET', `/v1/admin/held/${encodeURIComponent(props.intakeId)}/pages/${props.page}`)
      .then(setImage, setError);
  }, [props.intakeId, props.page]);
  if (error) return <Problem error={error} />;
  if (!image) return <p class="muted">{t('loading')}</p>;
  return (
    <figure class="held-page">
      <img src={image.dataUrl} alt={t('heldPageImage', { page: String(props.page) })} />
      <figcaption>{t('heldPageImage', { page: String(props.page) })}</figcaption>
    </figure>
  );
}

function HeldRow(props: { item: HeldItem; onDone: (text: string) => void }) {
  const { t, msg, dateTime } = useI18n();
  const { api } = useApp();
  const { item } = props;
  const [rejecting, setRejecting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const reasonId = useId();
  const act = useAction(async (verb: 'approve' | 'reject') => {
    await api.json<PublicStatus>(
      'POST',
      `/v1/admin/held/${encodeURIComponent(item.intakeId)}:${verb}`,
      verb === 'reject' ? { reason: reason.trim() } : undefined,
    );
    props.onDone(t(verb === 'approve' ? 'approved' : 'rejected'));
  });
  const canApprove = item.code === 'IDENTITY_MISMATCH' || item.code === 'SCANNED_EXTRACT';
  return (
    <li class="held card" data-intake={item.intakeId}>
      <div class="held-head">
        <Badge tone="HELD">{item.code ?? 'HELD'}</Badge>
        <span class="intake-id">{item.intakeId}</span>
        {item.rulingNumber ? <span>{t('heldRuling', { ruling: item.rulingNumber })}</span> : null}
        <span class="muted">{dateTime(item.receivedAt)}</span>
      </div>
      <p>{msg(item.message)}</p>
      <HeldReviewView item={item} />
      <Problem error={act.error} />
      {rejecting ? (
        <form
          class="reject-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act.run('reject');
          }}
        >
          <label for={reasonId}>{t('rejectReason')}</label>
          <textarea
            id={reasonId}
            maxLength={500}
            rows={2}
            required
            aria-required="true"
            value={reason}
            onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
          />
          <div class="form-actions">
            <button type="submit" class="button-danger" disabled={act.busy || !reason.trim()}>
              {t('rejectConfirm')}
            </button>
            <button type="button" onClick={() => setRejecting(false)}>
              {t('cancel')}
            </button>
          </div>
        </form>
      ) : confirming ? (
        <div class="form-actions approve-confirm" role="group" aria-label={t('approveConfirmQuestion')}>
          <p>{t('approveConfirmQuestion')}</p>
          <button
            type="button"
            class="button-primary"
            disabled={act.busy}
            onClick={() => void act.run('approve')}
          >
            {t('approveConfirm')}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {t('cancel')}
          </button>
        </div>
      ) : (
        <div class="form-actions">
          <button
            type="button"
            class="button-primary"
            disabled={!canApprove || act.busy}
            aria-describedby={canApprove ? undefined : `${reasonId}-why`}
            onClick={() => setConfirming(true)}
          >
            {t('approve')}
          </button>
          <button type="button" class="button-danger" onClick={() => setRejecting(true)}>
            {t('reject')}
          </button>
          {canApprove ? null : (
            <span id={`${reasonId}-why`} class="hint">
              {t('approveOnlyIdentity')}
            </span>
          )}
        </div>
      )}
    </li>
  );
}

export function OperatorIntake() {
  const { t, time } = useI18n();
  const { api } = useApp();
  const [intake, setIntake] = useState<IntakeSwitch>();
  const [held, setHeld] = useState<HeldItem[]>();
  const [error, setError] = useState<unknown>();
  const [updated, setUpdated] = useState<Date>();
  const [done, setDone] = useState<string>();

  const refreshIntake = async () => {
    try {
      setIntake(await api.json<IntakeSwitch>('GET', '/v1/admin/intake'));
      setUpdated(new Date());
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  };
  const refreshHeld = async () => {
    try {
      setHeld((await api.json<{ items: HeldItem[] }>('GET', '/v1/admin/held')).items);
    } catch (e) {
      setError(e);
    }
  };
  // Counts change by the second. The held list is an audited read: fetched when the screen
  // opens, on "Refresh" and after an action — not on a timer, which would flood the log.
  usePolling(refreshIntake, 2000);
  useEffect(() => {
    void refreshHeld();
  }, []);

  const toggle = useAction(async (to: 'running' | 'paused') => {
    const answer = await api.json<IntakeSwitch>('PUT', '/v1/admin/intake', { state: to });
    // Without counts (not readable at that moment) the last ones stay until the next refresh.
    setIntake((before) => ({ ...answer, queue: answer.queue ?? before?.queue }));
  });
  // Dead letters back on their queue (audited); the counts show the effect on the next refresh.
  const [redriven, setRedriven] = useState<RedriveResult>();
  const redrive = useAction(async (q: DeadLetterQueue) => {
    setRedriven(await api.json<RedriveResult>('POST', `/v1/admin/dead-letters/${q}:redrive`));
    await refreshIntake();
  });

  const running = intake?.state === 'running';
  const queue = intake?.queue;
  const deadQueues = queue ? DEAD_LETTER_QUEUES.filter((q) => (queue[DEAD_LETTER_COUNT[q]] ?? 0) > 0) : [];
  const keys = queue
    ? [
        ...QUEUE_ORDER.filter((k) => k in queue),
        ...Object.keys(queue).filter((k) => !QUEUE_ORDER.includes(k)),
      ]
    : [];

  return (
    <>
      <PageTitle>{t('intakeTitle')}</PageTitle>
      <Problem error={error ?? toggle.error ?? redrive.error} />
      <div class="grid-2">
        <section
          class={`card intake-card ${intake ? (running ? 'is-running' : 'is-paused') : ''}`}
          aria-labelledby="intake-state"
        >
          <h2 id="intake-state">
            {intake ? (
              <Badge tone={running ? 'RUNNING' : 'PAUSED'}>
                {t(running ? 'intakeRunning' : 'intakePaused')}
              </Badge>
            ) : (
              t('loading')
            )}
          </h2>
          <div class="switch-row">
            <button
              type="button"
              role="switch"
              class="switch"
              aria-checked={running}
              aria-describedby="intake-help"
              disabled={!intake || toggle.busy}
              onClick={() => void toggle.run(running ? 'paused' : 'running')}
            >
              <span class="switch-track" aria-hidden="true">
                <span class="switch-thumb" />
              </span>
              <span class="switch-label">{t('intakeSwitch')}</span>
              {/* The state in words beside the track; the name stays, aria-checked tells the state. */}
              <span class="switch-state" aria-hidden="true">
                {intake ? t(running ? 'switchOn' : 'switchOff') : ''}
              </span>
            </button>
          </div>
          <p id="intake-help" class="hint">
            {t('intakeSwitchHelp')}
          </p>
        </section>
        <section class="card" aria-labelledby="queue-title">
          <h2 id="queue-title">{t('queue')}</h2>
          {queue ? (
            <dl class="counts">
              {keys.map((k) => {
                const label = `q_${k}`;
                return (
                  <Count
                    key={k}
                    label={isKey(label) ? t(label) : k}
                    value={queue[k]}
                    bad={DEAD_LETTER_KEYS.includes(k) && (queue[k] ?? 0) > 0}
                    name={k}
                  />
                );
              })}
            </dl>
          ) : null}
          {deadQueues.length ? (
            <>
              <p class="hint">{t('deadLetterHint')}</p>
              <div class="form-actions">
                {deadQueues.map((q) => (
                  <button type="button" key={q} disabled={redrive.busy} onClick={() => void redrive.run(q)}>
                    {t('redrive', { queue: t(`q_${DEAD_LETTER_COUNT[q]}` as 'q_deadLetters') })}
                  </button>
                ))}
              </div>
            </>
          ) : null}
          {redriven ? (
            <Notice kind={redriven.state === 'EMPTY' ? 'info' : 'ok'}>
              {t(`redrive_${redriven.state}`, { n: redriven.messages })}
            </Notice>
          ) : null}
          {updated ? <p class="muted small">{t('updatedAt', { time: time(updated) })}</p> : null}
        </section>
      </div>

      <section aria-labelledby="held-title">
        <div class="section-head">
          <h2 id="held-title">{t('heldTitle')}</h2>
          <button type="button" onClick={() => void refreshHeld()}>
            {t('refresh')}
          </button>
        </div>
        {done ? <Notice kind="ok">{done}</Notice> : null}
        {held && held.length === 0 ? <p>{t('heldNone')}</p> : null}
        {held && held.length ? (
          <ul class="held-list">
            {held.map((h) => (
              <HeldRow
                key={h.intakeId}
                item={h}
                onDone={(text) => {
                  setDone(text);
                  void refreshHeld();
                }}
              />
            ))}
          </ul>
        ) : null}
      </section>
    </>
  );
}

export function OperatorImports() {
  const { t, msg } = useI18n();
  const { api } = useApp();
  const [kind, setKind] = useState<'balances' | 'enrolments'>('balances');
  const [file, setFile] = useState<File>();
  const [report, setReport] = useState<{ file: string; kind: string; report: ImportReport }>();
  const [formError, setFormError] = useState<string>();
  const run = useAction(async (f: File, k: 'balances' | 'enrolments') => {
    setReport(undefined);
    const wrong = await wrongCsvKind(f, IMPORT_HEADER[k]);
    if (wrong) throw wrong;
    const r = await api.json<ImportReport>('POST', `/v1/admin/imports/${k}`, await f.text(), 'text/csv');
    setReport({ file: f.name, kind: k, report: r });
  });
  const refusedColumns: Column<ImportReport['refused'][number]>[] = [
    { head: t('colLine'), num: true, cell: (r) => r.line },
    { head: t('colCode'), cell: (r) => <code>{r.code}</code> },
    { head: t('colMessage'), cell: (r) => msg(r.message) },
  ];
  return (
    <>
      <PageTitle>{t('importsTitle')}</PageTitle>
      <p class="lead">{t('importsIntro')}</p>
      <CardForm
        onSubmit={() => {
          if (!file) return setFormError(t('chooseFile'));
          setFormError(undefined);
          void run.run(file, kind);
        }}
      >
        <fieldset class="span-all">
          <legend>{t('importKind')}</legend>
          {(['balances', 'enrolments'] as const).map((k) => (
            <label key={k} class="radio">
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              {t(`import_${k}`)} <span class="hint">{t(`importColumns_${k}`)}</span>
            </label>
          ))}
        </fieldset>
        <CsvFileField label={t('importFile')} onFile={setFile} />
        <FormActions submit={t('importRun')} busy={run.busy} />
        <FormError text={formError} />
      </CardForm>
      <Problem error={run.error} />
      {report ? (
        <section class="card result" aria-labelledby="report-title" role="status">
          <h2 id="report-title">
            {t('importReport', { file: report.file })} ·{' '}
            {t(report.kind === 'balances' ? 'import_balances' : 'import_enrolments')}
          </h2>
          <dl class="counts">
            {(
              [
                ['importLines', report.report.lines],
                ['importAccepted', report.report.accepted],
                ['importCreated', report.report.created],
                ['importUpdated', report.report.updated],
                ['importUnchanged', report.report.unchanged],
                ['importRefused', report.report.refused.length],
              ] as const
            ).map(([k, v]) => (
              <Count key={k} label={t(k)} value={v} bad={k === 'importRefused' && v > 0} />
            ))}
          </dl>
          <DataTable
            label={t('importRefused')}
            columns={refusedColumns}
            rows={report.report.refused}
            rowKey={(r) => r.line}
            empty={t('importNoRefused')}
          />
        </section>
      ) : null}
    </>
  );
}
