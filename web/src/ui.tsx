/** Small building blocks shared by the screens: router, polling, alerts, tables, figures, form fields. */
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useId, useRef, useState } from 'preact/hooks';
import institutionsFile from '../../shared/config/institutions.json';
import { checkNationalNumber, stripSeparators } from '../../shared/domain/national-number.js';
import type { Api } from './api.js';
import { ApiProblem } from './api.js';
import { useI18n, type Key } from './i18n.js';
import type { Session } from './auth.js';
import type { Correction } from './types.js';

// ---- context ------------------------------------------------------------------------------------

export interface AppContext {
  readonly api: Api;
  readonly session: Session;
}
export const App = createContext<AppContext | undefined>(undefined);
export function useApp(): AppContext {
  const ctx = useContext(App);
  if (!ctx) throw new Error('useApp outside the signed-in app');
  return ctx;
}

// ---- router -------------------------------------------------------------------------------------

const listeners = new Set<() => void>();
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const l of listeners) l();
}
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

export function Link(props: { href: string; current?: boolean; children: ComponentChildren }) {
  return (
    <a
      href={props.href}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

// ---- hooks --------------------------------------------------------------------------------------

/** Runs `fn` now and then every `ms` while the page is visible; `fn` returns false to stop early. */
export function usePolling(fn: () => Promise<unknown>, ms: number, deps: unknown[] = []): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') await saved.current().catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void tick(), ms);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [ms, ...deps]);
}

/** An async action with its pending state and its error (shown by <Problem>). */
export function useAction<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): { run: (...args: A) => Promise<R | undefined>; busy: boolean; error: unknown; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return {
    busy,
    error,
    clear: () => setError(undefined),
    run: async (...args: A) => {
      setBusy(true);
      setError(undefined);
      try {
        return await fn(...args);
      } catch (e) {
        setError(e);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
  };
}

// ---- presentation -------------------------------------------------------------------------------

/** The API's explanation of an error, in the chosen language (an alert for screen readers). */
/**
 * A problem found in the browser: kept as a dictionary key, so it is shown in the language chosen
 * now, not the one of the moment it happened.
 */
export class LocalProblem extends Error {
  constructor(
    readonly key: Key,
    readonly vars?: Record<string, string | number>,
  ) {
    super(key);
  }
}

/** What a chosen CSV file is not: a PDF or other binary file, or a CSV of another kind. */
export async function wrongCsvKind(file: File, expected: RegExp): Promise<LocalProblem | undefined> {
  const head = new Uint8Array(await file.slice(0, 4096).arrayBuffer());
  const start = new TextDecoder('latin1').decode(head.subarray(0, 1024));
  if (start.includes('%PDF-')) return new LocalProblem('wrongFilePdf', { file: file.name });
  // Text files have no NUL bytes and few control characters; spreadsheets, images, archives do.
  const control = head.filter((b) => b === 0 || (b < 9 && b !== 0) || (b > 13 && b < 32)).length;
  if (head.includes(0) || control > head.length / 20)
    return new LocalProblem('wrongFileBinary', { file: file.name });
  const firstLine = (await file.slice(0, 4096).text()).replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  if (!expected.test(firstLine)) return new LocalProblem('wrongFileColumns', { file: file.name });
  return undefined;
}

export function Problem(props: { error: unknown }) {
  const { msg, t } = useI18n();
  if (!props.error) return null;
  const e = props.error;
  const text =
    e instanceof LocalProblem
      ? t(e.key, e.vars)
      : e instanceof ApiProblem
        ? msg(e.messages) || e.code
        : e instanceof Error
          ? e.message
          : t('networkError');
  return (
    <div class="alert alert-error" role="alert">
      {text}
      {e instanceof ApiProblem && e.code !== 'NETWORK' ? <span class="code"> ({e.code})</span> : null}
    </div>
  );
}

export function Notice(props: { kind?: 'ok' | 'info' | 'warn'; children: ComponentChildren }) {
  return (
    <div class={`alert alert-${props.kind ?? 'info'}`} role="status">
      {props.children}
    </div>
  );
}

/** A table that scrolls sideways on narrow screens (focusable, so it scrolls with the keyboard). */
export function TableWrap(props: { label: string; children: ComponentChildren }) {
  const { t } = useI18n();
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`${props.label} — ${t('tableScroll')}`}>
      {props.children}
    </div>
  );
}

/** A column of a `DataTable`: its header and what each row shows in it. */
export interface Column<T> {
  readonly head: ComponentChildren;
  readonly cell: (row: T) => ComponentChildren;
  /** Figures: header and cells aligned right. */
  readonly num?: boolean;
  /** A class for the cells (not the header). */
  readonly class?: string;
}

/**
 * A table of rows in a `TableWrap`, one column header per column; with `empty`, a paragraph saying
 * so instead when there are no rows.
 */
export function DataTable<T>(props: {
  label: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => string | number;
  /** Attributes of a row (`data-*` for tests and styles). */
  rowProps?: (row: T) => Record<string, string>;
  class?: string;
  empty?: ComponentChildren;
}) {
  if (props.empty !== undefined && props.rows.length === 0) return <p>{props.empty}</p>;
  return (
    <TableWrap label={props.label}>
      <table class={props.class}>
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th key={i} scope="col" class={c.num ? 'num' : undefined}>
                {c.head}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => (
            <tr key={props.rowKey(r, i)} {...props.rowProps?.(r)}>
              {props.columns.map((c, j) => (
                <td key={j} class={c.num ? 'num' : c.class}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The ruling corrections of a student's credit: an institution's lookup, the subject report's ledger. */
export function CreditLinesTable(props: {
  label: string;
  lines: readonly Correction[];
  empty: string;
  /** The credits the student asked back, besides those returned. */
  requested?: boolean;
}) {
  const { t, date } = useI18n();
  const columns: Column<Correction>[] = [
    { head: t('colRuling'), cell: (c) => c.rulingNumber },
    { head: t('colRulingDate'), class: 'nowrap', cell: (c) => date(c.rulingDate) },
    { head: t('colYear'), class: 'nowrap', cell: (c) => c.academicYear },
    { head: t('colInstitution'), cell: (c) => institutionLabel(c.institution) },
    { head: t('colProgramme'), cell: (c) => c.programme },
    ...(props.requested
      ? [{ head: t('colRequested'), num: true, cell: (c: Correction) => c.requested }]
      : []),
    { head: t('colReturned'), num: true, cell: (c) => c.returned },
  ];
  return (
    <DataTable
      label={props.label}
      columns={columns}
      rows={props.lines}
      rowKey={(c, i) => `${c.rulingNumber}-${i}`}
      empty={props.empty}
    />
  );
}

/** One figure of a `<dl class="figures">`: a label over a large number (or a smaller one). */
export function Figure(props: {
  label: string;
  small?: boolean;
  testId?: string;
  children: ComponentChildren;
}) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd class={props.small ? 'figure figure-small' : 'figure'} data-testid={props.testId}>
        {props.children}
      </dd>
    </div>
  );
}

/** One count of a `<dl class="counts">`, marked when it is a bad sign. */
export function Count(props: { label: string; value: number | undefined; bad?: boolean; name?: string }) {
  return (
    <div class={props.bad ? 'count count-bad' : 'count'} data-count={props.name}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

/** The page title; focused after navigation so screen readers announce the new screen. */
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

const STATUS_CLASS: Record<string, string> = {
  APPLIED: 'ok',
  ALLOWED: 'ok',
  RUNNING: 'ok',
  DUPLICATE: 'neutral',
  RECEIVED: 'info',
  AWAITING_UPLOAD: 'info',
  HELD: 'warn',
  PAUSED: 'warn',
  REJECTED: 'bad',
  DENIED: 'bad',
};

export function Badge(props: { tone: string; children: ComponentChildren }) {
  const tone = STATUS_CLASS[props.tone.split(':')[0] ?? ''] ?? 'neutral';
  return <span class={`badge badge-${tone}`}>{props.children}</span>;
}

// ---- form fields --------------------------------------------------------------------------------

/**
 * A labelled form field: the label for the control with `id`, the control, and the hint the control
 * is described by (`${id}-hint`, read out as it changes when `live`).
 */
function Field(props: {
  id: string;
  label: string;
  /** Classes besides `field`. */
  class?: string;
  hint?: ComponentChildren;
  live?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class={props.class ? `field ${props.class}` : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <p id={`${props.id}-hint`} class="hint" aria-live={props.live ? 'polite' : undefined}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

// ---- the national-number field --------------------------------------------------------------

/**
 * A national register number, checked as it is typed (format, check digits — 97 − (9 digits mod
 * 97), with the `2` prefix for births from 2000 — birth date and sequence), with the result said
 * next to the field and to screen readers.
 */
export function NationalNumberField(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  required?: boolean;
  name?: string;
  /** Show the check result even while fewer than 11 digits are typed (after a submit). */
  touched?: boolean;
}) {
  const { t } = useI18n();
  const id = useId();
  const digits = stripSeparators(props.value);
  const check = checkNationalNumber(props.value);
  let state: 'empty' | 'typing' | 'valid' | 'invalid';
  let hint: string;
  if (!digits) {
    state = 'empty';
    hint = t('nnHint');
  } else if (/^\d{1,10}$/.test(digits) && !props.touched) {
    state = 'typing';
    hint = t('nnMore', { n: 11 - digits.length });
  } else if (check.valid) {
    state = 'valid';
    hint = t('nnValid');
  } else {
    state = 'invalid';
    hint = t(`nn${check.problem ?? 'FORMAT'}` as Key);
  }
  return (
    <Field
      id={id}
      label={props.label}
      class={`nn-field nn-${state}`}
      live
      hint={
        <>
          {state === 'valid' ? '✓ ' : state === 'invalid' ? '✗ ' : ''}
          {hint}
        </>
      }
    >
      <input
        id={id}
        name={props.name ?? 'nationalNumber'}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        spellcheck={false}
        maxLength={20}
        required={props.required}
        aria-invalid={state === 'invalid' ? 'true' : undefined}
        aria-describedby={`${id}-hint`}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </Field>
  );
}

export const isValidNationalNumber = (text: string): boolean => checkNationalNumber(text).valid;

/** A `<select>` with its label. */
export function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly { value: string; label: string }[];
  required?: boolean;
  hint?: string;
}) {
  const id = useId();
  return (
    <Field id={id} label={props.label} hint={props.hint}>
      <select
        id={id}
        value={props.value}
        required={props.required}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  hint?: string;
  name?: string;
  type?: 'text' | 'date';
  autoComplete?: string;
}) {
  const id = useId();
  return (
    <Field id={id} label={props.label} hint={props.hint}>
      <input
        id={id}
        name={props.name}
        {...(props.type === 'date' ? { type: 'date' as const } : { type: 'text' as const })}
        autoComplete={props.autoComplete}
        value={props.value}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </Field>
  );
}

/** A file picker for a CSV list; `onFile` gets the chosen file (undefined when the choice is cleared). */
export function CsvFileField(props: { label: string; onFile: (file: File | undefined) => void }) {
  const id = useId();
  return (
    <Field id={id} label={props.label}>
      <input
        id={id}
        type="file"
        accept=".csv,text/csv,text/plain"
        onChange={(e) => props.onFile((e.currentTarget as HTMLInputElement).files?.[0])}
      />
    </Field>
  );
}

/**
 * A form in a card, its fields in a grid. The screen checks what is typed itself (`noValidate`: it
 * says next to the field what is wrong) and gets the form on submit.
 */
export function CardForm(props: { onSubmit: (form: HTMLFormElement) => void; children: ComponentChildren }) {
  return (
    <form
      class="card form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(e.currentTarget);
      }}
    >
      {props.children}
    </form>
  );
}

/** A form's buttons: the primary submit button (disabled while busy), then any others. */
export function FormActions(props: { submit: string; busy: boolean; children?: ComponentChildren }) {
  return (
    <div class="form-actions">
      <button type="submit" class="button-primary" disabled={props.busy}>
        {props.submit}
      </button>
      {props.children}
    </div>
  );
}

/** What is missing from a form before it can be sent (an alert across the form's grid). */
export function FormError(props: { text: string | undefined }) {
  return props.text ? (
    <div class="alert alert-error span-all" role="alert">
      {props.text}
    </div>
  ) : null;
}

/** Masks a pseudonym for display: enough to tell records apart, short enough to read. */
export const shortId = (s: string | undefined): string =>
  s ? (s.length > 12 ? `${s.slice(0, 10)}…` : s) : '—';

/** Institutions of the register (shared/config/institutions.json): code and official name. */
export const INSTITUTIONS: readonly { code: string; name: string }[] = institutionsFile.institutions.map(
  (i) => ({
    code: i.code,
    name: i.name,
  }),
);
const NAMES = new Map(INSTITUTIONS.map((i) => [i.code, i.name]));
/** `Universiteit Gent (UGENT)` for a register code; the code itself when unknown. */
export const institutionLabel = (code: string): string =>
  NAMES.has(code) ? `${NAMES.get(code)} (${code})` : code;
