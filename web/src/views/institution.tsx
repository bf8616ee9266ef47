/**
 * Higher-education institution: one student's learning credit by national register number (checked
 * as typed, shown masked afterwards), or a CSV list looked up 100 at a time. A purpose is required;
 * every lookup is audited by the API before it answers. And the institution's change feed: the
 * rulings that changed the credit of students it sees, masked, oldest first.
 */
import { useEffect, useState } from 'preact/hooks';
import { PURPOSES } from '../../../shared/domain/purposes.js';
import {
  checkNationalNumber,
  formatNationalNumber,
  maskNationalNumber,
  stripSeparators,
} from '../../../shared/domain/national-number.js';
import {
  CSV_HEADER,
  CSV_READ,
  CSV_ROWS,
  startLine,
  type CsvRecordWithInfo,
} from '../../../shared/contract/csv.js';
import { downloadText } from '../api.js';
import { csvParse, csvStringify } from '../csv.js';
import { useI18n, type Key, type Translate } from '../i18n.js';
import type { BatchItem, Change, ChangesPage, CreditView } from '../types.js';
import {
  Badge,
  CardForm,
  CreditLinesTable,
  CsvFileField,
  DataTable,
  Figure,
  FormActions,
  FormError,
  NationalNumberField,
  PageTitle,
  Problem,
  Select,
  isValidNationalNumber,
  useAction,
  useApp,
  type Column,
  LocalProblem,
  wrongCsvKind,
} from '../ui.js';

const BATCH_SIZE = 100;
const MAX_NUMBERS = 10_000;

function purposeOptions(t: Translate) {
  return [
    { value: '', label: t('purposeChoose') },
    ...PURPOSES.map((p) => ({ value: p, label: t(`purpose_${p}` as Key) })),
  ];
}

function CreditCard(props: { credit: CreditView }) {
  const { t } = useI18n();
  const { credit } = props;
  return (
    <section class="card result" aria-labelledby="credit-title">
      <h2 id="credit-title">{t('creditOf', { nn: credit.nationalNumber })}</h2>
      <dl class="figures">
        <Figure label={t('balance')} testId="balance">
          {t('credits', { n: credit.balance })}
        </Figure>
        <Figure label={t('opening')} small>
          {t('credits', { n: credit.openingBalance })}
        </Figure>
      </dl>
      <h3>{t('corrections')}</h3>
      <CreditLinesTable
        label={t('corrections')}
        lines={credit.corrections}
        empty={t('noCorrections')}
        requested
      />
    </section>
  );
}

export function InstitutionLookup() {
  const { t } = useI18n();
  const { api } = useApp();
  const [number, setNumber] = useState('');
  const [purpose, setPurpose] = useState('');
  const [touched, setTouched] = useState(false);
  const [purposeError, setPurposeError] = useState(false);
  const [result, setResult] = useState<CreditView>();
  const [asked, setAsked] = useState<string>();
  const lookup = useAction(async (digits: string, p: string) => {
    setResult(undefined);
    setAsked(maskNationalNumber(digits));
    const credit = await api.json<CreditView>(
      'GET',
      `/v1/students/${encodeURIComponent(digits)}/learning-credit?purpose=${encodeURIComponent(p)}`,
    );
    setResult(credit);
  });

  return (
    <>
      <PageTitle>{t('lookupTitle')}</PageTitle>
      <p class="lead">{t('lookupIntro')}</p>
      <CardForm
        onSubmit={(form) => {
          setTouched(true);
          const okNumber = isValidNationalNumber(number);
          setPurposeError(!purpose);
          if (!okNumber || !purpose) {
            form.querySelector<HTMLElement>(okNumber ? 'select' : 'input[name="nationalNumber"]')?.focus();
            return;
          }
          const digits = stripSeparators(number);
          // The full number leaves the screen once it is sent; the result shows it masked.
          setNumber('');
          setTouched(false);
          void lookup.run(digits, purpose);
        }}
      >
        <NationalNumberField label={t('nn')} value={number} onInput={setNumber} required touched={touched} />
        <Select
          label={t('purpose')}
          value={purpose}
          onChange={(v) => {
            setPurpose(v);
            setPurposeError(false);
          }}
          options={purposeOptions(t)}
          required
          {...(purposeError ? { hint: `✗ ${t('purposeRequired')}` } : {})}
        />
        <FormActions submit={t('lookup')} busy={lookup.busy} />
      </CardForm>
      {lookup.error ? (
        <div class="asked">
          <p class="muted">{asked}</p>
          <Problem error={lookup.error} />
        </div>
      ) : null}
      {result ? <CreditCard credit={result} /> : null}
    </>
  );
}

interface BatchRow {
  readonly line: number;
  readonly input: string;
  readonly digits?: string;
  result?: BatchItem;
}

/** Numbers from a CSV: the first cell of every non-empty line; a first line with letters is a header. */
export async function numbersFromCsv(text: string): Promise<BatchRow[]> {
  const parse = await csvParse();
  const records = parse(text, {
    ...CSV_READ,
    delimiter: [...CSV_READ.delimiter, '\t'],
    info: true,
    raw: true,
  }) as unknown as CsvRecordWithInfo[];
  const rows: BatchRow[] = [];
  records.forEach((r, i) => {
    const cell = r.record[0] ?? '';
    if (!cell || (i === 0 && /[a-z]/i.test(cell))) return;
    const check = checkNationalNumber(cell);
    rows.push({
      line: startLine(r),
      input: cell,
      ...(check.valid && check.digits ? { digits: check.digits } : {}),
    });
  });
  return rows;
}

export function InstitutionBatch() {
  const { t } = useI18n();
  const { api } = useApp();
  const [file, setFile] = useState<File>();
  const [purpose, setPurpose] = useState('');
  const [rows, setRows] = useState<BatchRow[]>();
  const [done, setDone] = useState(0);
  const [formError, setFormError] = useState<string>();
  const run = useAction(async (f: File, p: string) => {
    const wrong = await wrongCsvKind(f, /^\s*"?(\d|national|rijksregister|insz|rrn)/i);
    if (wrong) throw wrong;
    const parsed = await numbersFromCsv(await f.text());
    if (!parsed.length) throw new LocalProblem('batchEmpty');
    if (parsed.length > MAX_NUMBERS) throw new LocalProblem('batchTooMany', { max: MAX_NUMBERS });
    for (const r of parsed) {
      if (!r.digits)
        r.result = { nationalNumber: maskNationalNumber(r.input), status: 'INVALID', code: 'INVALID_RRN' };
    }
    const valid = parsed.filter((r) => r.digits);
    setDone(parsed.length - valid.length);
    setRows([...parsed]);
    for (let i = 0; i < valid.length; i += BATCH_SIZE) {
      const chunk = valid.slice(i, i + BATCH_SIZE);
      const { results } = await api.json<{ results: BatchItem[] }>('POST', '/v1/learning-credit:batchGet', {
        purpose: p,
        nationalNumbers: chunk.map((r) => r.digits),
      });
      chunk.forEach((r, j) => (r.result = results[j]));
      setDone((d) => d + chunk.length);
      setRows([...parsed]);
    }
  });

  const counts = { found: 0, notFound: 0, invalid: 0 };
  for (const r of rows ?? []) {
    if (r.result?.status === 'FOUND') counts.found++;
    else if (r.result?.status === 'NOT_FOUND') counts.notFound++;
    else if (r.result?.status === 'INVALID') counts.invalid++;
  }
  const complete = rows && !run.busy && rows.every((r) => r.result);

  const found = (r: BatchRow) => (r.result?.status === 'FOUND' ? r.result.credit : undefined);
  const batchColumns: Column<BatchRow>[] = [
    { head: t('colLine'), num: true, cell: (r) => r.line },
    { head: t('nn'), class: 'nowrap', cell: (r) => maskNationalNumber(r.input) },
    {
      head: t('colStatus'),
      cell: (r) =>
        r.result ? (
          <Badge
            tone={
              r.result.status === 'FOUND'
                ? 'ALLOWED'
                : r.result.status === 'INVALID'
                  ? 'REJECTED'
                  : 'DUPLICATE'
            }
          >
            {t(`r_${r.result.status}` as Key)}
          </Badge>
        ) : (
          '…'
        ),
    },
    { head: t('balance'), num: true, cell: (r) => found(r)?.balance ?? '—' },
    { head: t('opening'), num: true, cell: (r) => found(r)?.openingBalance ?? '—' },
    { head: t('corrections'), num: true, cell: (r) => found(r)?.corrections.length ?? '—' },
  ];

  const download = async () => {
    const stringify = await csvStringify();
    const header = ['line', 'nationalNumber', 'status', 'balance', 'openingBalance', 'rulingCorrections'];
    const lines = (rows ?? []).map((r) => {
      const c = found(r);
      return [
        r.line,
        r.digits ?? r.input,
        r.result?.status ?? '',
        c?.balance,
        c?.openingBalance,
        c?.corrections.length,
      ];
    });
    downloadText(
      `learning-credit-${new Date().toISOString().slice(0, 10)}.csv`,
      stringify([header], CSV_HEADER) + stringify(lines, CSV_ROWS),
    );
  };

  return (
    <>
      <PageTitle>{t('batchTitle')}</PageTitle>
      <p class="lead">{t('batchIntro')}</p>
      <CardForm
        onSubmit={() => {
          if (!file) return setFormError(t('chooseFile'));
          if (!purpose) return setFormError(t('purposeRequired'));
          setFormError(undefined);
          void run.run(file, purpose);
        }}
      >
        <CsvFileField
          label={t('csvFile')}
          onFile={(f) => {
            setFile(f);
            setRows(undefined);
          }}
        />
        <Select
          label={t('purpose')}
          value={purpose}
          onChange={setPurpose}
          options={purposeOptions(t)}
          required
        />
        <FormActions submit={t('batchRun')} busy={run.busy} />
        <FormError text={formError} />
      </CardForm>
      <Problem error={run.error} />
      {rows ? (
        <section class="card" aria-labelledby="batch-result">
          <h2 id="batch-result">{t('batchSummary', { total: rows.length, ...counts })}</h2>
          {run.busy ? (
            <p role="status">
              <progress max={rows.length} value={done} /> {t('batchProgress', { done, total: rows.length })}
            </p>
          ) : null}
          {complete ? (
            <p>
              <button type="button" class="button-primary" onClick={download}>
                {t('batchDownload')}
              </button>{' '}
              <span class="muted">{t('batchDownloadNote')}</span>
            </p>
          ) : null}
          <DataTable label={t('batchTitle')} columns={batchColumns} rows={rows} rowKey={(r) => r.line} />
        </section>
      ) : null}
    </>
  );
}

/** The change feed (`GET /v1/changes`): every page on opening, then only what is new on request. */
export function InstitutionChanges() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  const [items, setItems] = useState<Change[]>();
  const [next, setNext] = useState<string>();
  // With a purpose the feed shows full numbers and logs each student shown with that purpose.
  const [purpose, setPurpose] = useState('');
  const load = useAction(async (after: string | undefined, why: string = purpose) => {
    const got: Change[] = [];
    let cursor = after;
    for (;;) {
      const q = new URLSearchParams({
        limit: '200',
        ...(cursor ? { after: cursor } : {}),
        ...(why ? { purpose: why } : {}),
      });
      const page = await api.json<ChangesPage>('GET', `/v1/changes?${q.toString()}`);
      got.push(...page.items);
      cursor = page.next ?? cursor;
      if (!page.more || page.items.length === 0) break;
    }
    setItems((old) => [...(after ? (old ?? []) : []), ...got]);
    setNext(cursor);
  });
  useEffect(() => {
    void load.run(undefined);
  }, []);
  const columns: readonly Column<Change>[] = [
    { head: t('colChangedAt'), class: 'nowrap', cell: (c) => dateTime(c.changedAt) },
    {
      head: t('nn'),
      class: 'nowrap',
      cell: (c) =>
        /^\d{11}$/.test(c.nationalNumber) ? formatNationalNumber(c.nationalNumber) : c.nationalNumber,
    },
    { head: t('colRuling'), cell: (c) => c.rulingNumber },
    { head: t('colYear'), cell: (c) => c.academicYear },
    { head: t('colDelta'), num: true, cell: (c) => `${c.delta >= 0 ? '+' : ''}${c.delta}` },
  ];
  return (
    <>
      <PageTitle>{t('changesTitle')}</PageTitle>
      <p class="lead">{t('changesIntro')}</p>
      <Select
        label={t('changesPurpose')}
        value={purpose}
        onChange={(v) => {
          // Shown again from the start, masked or in full: nothing on screen mixes the two.
          setPurpose(v);
          void load.run(undefined, v);
        }}
        options={[{ value: '', label: t('changesMasked') }, ...purposeOptions(t).slice(1)]}
      />
      <p>
        <button type="button" class="button-primary" disabled={load.busy} onClick={() => void load.run(next)}>
          {t('changesNewer')}
        </button>
      </p>
      <Problem error={load.error} />
      {items ? (
        <DataTable
          label={t('changesTitle')}
          class="changes"
          columns={columns}
          rows={items}
          rowKey={(c) => c.cursor}
          rowProps={(c) => ({ 'data-ruling': c.rulingNumber })}
          empty={t('changesNone')}
        />
      ) : null}
    </>
  );
}
