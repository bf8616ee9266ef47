/**
 * The commands that call the API (upload, status, credit, enrol, intake, held, audit): plain
 * `fetch`, no SDK, no pdf.js — what they load is what a request needs.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { apiClient, CliError, ensureOk, localState, localToken, type ApiOptions } from './api-client.js';
import { looksLikePdf } from '../domain/layout.js';
import { maskNationalNumber } from '../domain/national-number.js';
import type { AuditAlerts, AuditEventsPage, ChangesPage, HeldItem, HeldPage } from '../contract/api.js';
import type { IntakeStatus } from '../ports/index.js';
import type { RedriveResult } from '../domain/dead-letters.js';
import { printCredit } from './credit-view.js';
import { EXIT, print, printJson, statusLine, type Lang, type Out } from './output.js';

export type ApiOut = Out & ApiOptions & { lang: Lang };

/** Reads each file and checks it is a PDF: every problem is named before anything is uploaded. */
async function readPdfs(files: string[]): Promise<Buffer[]> {
  const problems: string[] = [];
  const all: Buffer[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      problems.push(`${file}: cannot be read`);
      continue;
    }
    // The intake's own test: `%PDF-` within the first KiB (some producers put bytes before it).
    if (!looksLikePdf(bytes)) problems.push(`${file}: not a PDF (no %PDF- header)`);
    all.push(bytes);
  }
  if (problems.length) throw new CliError(`nothing uploaded:\n  ${problems.join('\n  ')}`, EXIT.refused);
  return all;
}

const FINAL = new Set(['APPLIED', 'DUPLICATE', 'REJECTED', 'HELD']);

/**
 * Uploads through the API as a clerk: POST /v1/extracts, then the presigned POST to S3. With
 * `--wait`: exit 0 only when every extract was applied or a duplicate; 5 when one was rejected
 * or held; 3 when one is still waiting (intake paused, or not processed within 2 minutes).
 */
export async function cmdUpload(files: string[], opts: ApiOut & { wait?: boolean }): Promise<number> {
  const contents = await readPdfs(files);
  const api = await apiClient(opts, 'clerk');
  const uploaded: { file: string; intakeId: string }[] = [];
  for (const [i, file] of files.entries()) {
    const r = await api.call('POST', '/v1/extracts');
    ensureOk(r, opts.lang);
    const { intakeId, upload } = r.body as {
      intakeId: string;
      upload: { url: string; fields: Record<string, string> };
    };
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append(
      'file',
      new Blob([new Uint8Array(contents[i]!)], { type: 'application/pdf' }),
      basename(file),
    );
    const put = await fetch(upload.url, { method: 'POST', body: form });
    if (!put.ok)
      throw new CliError(`upload of ${basename(file)} refused by storage: ${put.status} ${await put.text()}`);
    uploaded.push({ file, intakeId });
    if (!opts.json) print(`uploaded ${basename(file)} → intake ${intakeId}`);
  }
  if (!opts.wait) {
    if (opts.json) printJson(uploaded);
    else print('Follow them with: npx ruling-intake status');
    return EXIT.ok;
  }
  const deadline = Date.now() + 120_000;
  const results = new Map<string, IntakeStatus & { paused?: boolean }>();
  const waiting = new Map<string, IntakeStatus & { paused?: boolean }>();
  while (results.size + waiting.size < uploaded.length && Date.now() < deadline) {
    for (const u of uploaded) {
      if (results.has(u.intakeId) || waiting.has(u.intakeId)) continue;
      const r = await api.call('GET', `/v1/extracts/${u.intakeId}`);
      ensureOk(r, opts.lang);
      const s = r.body as IntakeStatus & { paused?: boolean };
      if (FINAL.has(s.status)) results.set(u.intakeId, s);
      // While intake is paused nothing will happen: say so instead of waiting two minutes.
      else if (s.paused) waiting.set(u.intakeId, s);
    }
    if (results.size + waiting.size < uploaded.length) await new Promise((res) => setTimeout(res, 250));
  }
  const outcome = (u: { intakeId: string }) =>
    results.get(u.intakeId) ?? waiting.get(u.intakeId) ?? { intakeId: u.intakeId, status: 'RECEIVED' };
  if (opts.json) printJson(uploaded.map((u) => ({ file: u.file, ...outcome(u) })));
  else
    for (const u of uploaded) {
      const s = results.get(u.intakeId) ?? waiting.get(u.intakeId);
      print(
        `${basename(u.file)}: ${s ? statusLine(s, opts.lang) : `${u.intakeId} not processed yet (is intake paused?)`}`,
      );
    }
  if (results.size < uploaded.length) return EXIT.notProcessed;
  const bad = [...results.values()].filter((s) => s.status === 'REJECTED' || s.status === 'HELD');
  return bad.length ? EXIT.notApplied : EXIT.ok;
}

export async function cmdStatus(intakeId: string | undefined, opts: ApiOut): Promise<number> {
  const api = await apiClient(opts, 'clerk');
  if (intakeId) {
    const r = await api.call('GET', `/v1/extracts/${encodeURIComponent(intakeId)}`);
    ensureOk(r, opts.lang);
    if (opts.json) printJson(r.body);
    else print(statusLine(r.body as IntakeStatus, opts.lang));
    return 0;
  }
  const r = await api.call('GET', '/v1/extracts?limit=200');
  ensureOk(r, opts.lang);
  const list = (r.body as { items: IntakeStatus[] }).items;
  if (opts.json) printJson(list);
  else if (list.length === 0) print('No uploads yet.');
  else for (const s of list) print(statusLine(s, opts.lang));
  return 0;
}

export async function cmdToken(opts: { as: string; json?: boolean }): Promise<number> {
  const state = await localState();
  if (!state)
    throw new CliError('The local stack is not running. Start it in another terminal with: npm start');
  const token = await localToken(state.issuer, opts.as);
  if (opts.json) printJson({ access_token: token, token_type: 'Bearer', endpoint: state.apiUrl });
  else print(token);
  return 0;
}

export async function cmdCredit(nn: string, opts: ApiOut & { purpose: string }): Promise<number> {
  const api = await apiClient(opts, 'institution:UGENT');
  const r = await api.call(
    'GET',
    `/v1/students/${encodeURIComponent(nn)}/learning-credit?purpose=${encodeURIComponent(opts.purpose)}`,
  );
  ensureOk(r, opts.lang);
  if (opts.json) printJson(r.body);
  else printCredit(r.body as Parameters<typeof printCredit>[0]);
  return 0;
}

export async function cmdEnrol(nn: string, year: string, opts: ApiOut): Promise<number> {
  const api = await apiClient(opts, 'institution:UGENT');
  const r = await api.call(
    'PUT',
    `/v1/students/${encodeURIComponent(nn)}/enrolments/${encodeURIComponent(year)}`,
  );
  ensureOk(r, opts.lang);
  const b = r.body as { institution: string; academicYear: string; created: boolean };
  if (opts.json) printJson(b);
  else
    print(
      `${maskNationalNumber(nn)} enrolled with ${b.institution} for ${b.academicYear}${b.created ? '' : ' (already declared)'}.`,
    );
  return 0;
}

export async function cmdIntake(action: 'pause' | 'resume' | 'status', opts: ApiOut): Promise<number> {
  const api = await apiClient(opts, 'operator');
  const r =
    action === 'status'
      ? await api.call('GET', '/v1/admin/intake')
      : await api.call('PUT', '/v1/admin/intake', {
          json: { state: action === 'pause' ? 'paused' : 'running' },
        });
  ensureOk(r, opts.lang);
  const b = r.body as { state: string; queue?: Record<string, number> };
  if (opts.json) printJson(b);
  else {
    print(
      b.state === 'paused'
        ? 'Intake is paused: uploads keep queueing; resume with: npx ruling-intake intake resume'
        : 'Intake is running.',
    );
    if (b.queue)
      print(
        `queue: ${Object.entries(b.queue)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  }
  return 0;
}

/** What `redrive` did, in words (a move task on AWS runs on after the call). */
const REDRIVE_WORDS: Readonly<Record<RedriveResult['state'], (n: number) => string>> = {
  EMPTY: () => 'No dead letters: nothing to redrive.',
  MOVED: (n) => `${n} dead letter(s) back on the queue.`,
  STARTED: (n) => `Moving about ${n} dead letter(s) back to the queue; see: npx ruling-intake intake status`,
  RUNNING: (n) => `A redrive is already running (about ${n} left); nothing new started.`,
};

export async function cmdRedrive(queue: string, opts: ApiOut): Promise<number> {
  const api = await apiClient(opts, 'operator');
  const r = await api.call('POST', `/v1/admin/dead-letters/${encodeURIComponent(queue)}:redrive`);
  ensureOk(r, opts.lang);
  const b = r.body as RedriveResult;
  if (opts.json) printJson(b);
  else print(`${b.queue}: ${REDRIVE_WORDS[b.state](b.messages)}`);
  return 0;
}

export async function cmdHeld(
  action: string,
  id: string | undefined,
  opts: ApiOut & { reason?: string; page?: string; out?: string },
): Promise<number> {
  const api = await apiClient(opts, 'operator');
  if (action === 'list') {
    const r = await api.call('GET', '/v1/admin/held');
    ensureOk(r, opts.lang);
    const items = (r.body as { items: HeldItem[] }).items;
    if (opts.json) printJson(items);
    else if (items.length === 0) print('No held extracts.');
    else
      for (const s of items) {
        print(statusLine(s, opts.lang));
        const v = s.review;
        if (!v) continue;
        const name = (n?: { surname: string; givenNames: string }) =>
          n ? `${n.surname}, ${n.givenNames}` : '—';
        print(`  ruling ${v.rulingNumber} (${v.docket}) of ${v.rulingDate}, ${v.nationalNumber}`);
        print(`  name read:       ${name(v.nameRead)}`);
        print(`  name registered: ${name(v.nameRegistered)}`);
        for (const l of v.lines)
          print(
            `  ${l.academicYear} ${l.institution.padEnd(10)} ${l.returned}/${l.requested} ${l.programme}`,
          );
        for (const page of v.pageImages ?? [])
          print(
            `  page image: npx ruling-intake held page ${s.intakeId} --page ${page} --out page-${page}.png`,
          );
      }
    return 0;
  }
  if (!id) throw new CliError(`held ${action} needs an intake id.`, EXIT.refused);
  if (action === 'page') {
    const page = opts.page ?? '1';
    const out = opts.out ?? `${id}-page-${page}.png`;
    const r = await api.call(
      'GET',
      `/v1/admin/held/${encodeURIComponent(id)}/pages/${encodeURIComponent(page)}`,
    );
    ensureOk(r, opts.lang);
    const { dataUrl } = r.body as HeldPage;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(out, Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
    print(`Page ${page} of ${id} saved to ${out}: compare it with the values of \`held list\`.`);
    return 0;
  }
  if (action === 'reject' && !opts.reason?.trim())
    throw new CliError('held reject needs --reason "…": DBRC is shown the reason.', EXIT.refused);
  const r = await api.call('POST', `/v1/admin/held/${encodeURIComponent(id)}:${action}`, {
    json: action === 'reject' ? { ...(opts.reason ? { reason: opts.reason } : {}) } : {},
  });
  ensureOk(r, opts.lang);
  if (opts.json) printJson(r.body);
  else print(statusLine(r.body as IntakeStatus, opts.lang));
  return 0;
}

export async function cmdAuditEvents(
  opts: ApiOut & Record<string, string | boolean | undefined>,
): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const q = new URLSearchParams();
  for (const k of ['subject', 'actor', 'institution', 'action', 'outcome', 'from', 'to'] as const)
    if (typeof opts[k] === 'string') q.set(k, opts[k] as string);
  // A date alone is a whole UTC day, both ends included (then the period has a total).
  if (typeof opts.from === 'string' && DATE_ONLY.test(opts.from)) q.set('from', `${opts.from}T00:00:00.000Z`);
  if (typeof opts.to === 'string' && DATE_ONLY.test(opts.to)) q.set('to', `${opts.to}T23:59:59.999Z`);
  if (opts.csv) {
    const r = await api.call('GET', `/v1/audit/events?${q}`, { accept: 'text/csv' });
    ensureOk(r, opts.lang);
    process.stdout.write(r.text);
    return 0;
  }
  const items: Record<string, unknown>[] = [];
  let next: string | undefined;
  let counted: { total?: number; countedUpTo?: string } | undefined;
  do {
    const page = new URLSearchParams(q);
    page.set('limit', '1000');
    if (next) page.set('next', next);
    const r = await api.call('GET', `/v1/audit/events?${page}`);
    ensureOk(r, opts.lang);
    const b = r.body as AuditEventsPage;
    items.push(...b.items);
    counted ??= {
      ...(b.total !== undefined ? { total: b.total } : {}),
      ...(b.countedUpTo ? { countedUpTo: b.countedUpTo } : {}),
    };
    next = b.next;
  } while (next);
  if (opts.json) printJson(items);
  else
    for (const e of items as {
      at: string;
      actor: { id: string; role: string; institution?: string };
      action: string;
      outcome: string;
      purpose: string;
      subject?: string;
    }[])
      print(
        `${e.at}  ${`${e.actor.role}:${e.actor.id}${e.actor.institution ? `@${e.actor.institution}` : ''}`.padEnd(34)} ${e.action.padEnd(24)} ${e.outcome.padEnd(22)} ${e.purpose}${e.subject ? ` subject ${e.subject.slice(0, 12)}…` : ''}`,
      );
  if (!opts.json) print(totalLine(counted ?? {}, opts.lang === 'en' ? 'en' : 'nl'));
  return 0;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The total line of `audit events`: the period's count from the sealer's counters, up to when it
 * counted; "—" when the filter is not counted (subject, actor, action, outcome, part of a day).
 */
export function totalLine(page: { total?: number; countedUpTo?: string }, lang: Lang): string {
  if (page.total === undefined || !page.countedUpTo)
    return lang === 'nl'
      ? 'Totaal: — (geteld wordt alleen zonder filter of per instelling, over hele UTC-dagen)'
      : 'Total: — (counted only without filters or per institution, over whole UTC days)';
  const n = page.total.toLocaleString(lang === 'nl' ? 'nl-BE' : 'en-GB');
  return lang === 'nl'
    ? `Totaal: ${n} records, geteld tot ${page.countedUpTo} (nieuwere records nog niet)`
    : `Total: ${n} records, counted up to ${page.countedUpTo} (newer records not yet)`;
}

export async function cmdAuditSubject(nn: string, opts: ApiOut): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const r = await api.call('GET', `/v1/audit/subjects/${encodeURIComponent(nn)}`);
  ensureOk(r, opts.lang);
  printJson(r.body);
  return 0;
}

/**
 * The student's own record (`GET /v1/me`): balance, rulings, and the consultations of their data
 * with purposes, newest first (`--all` follows the cursor to the end).
 */
export async function cmdMe(opts: ApiOut & { all?: boolean; limit?: string }): Promise<number> {
  const api = await apiClient(opts, 'student');
  type Me = {
    nationalNumber: string;
    known: boolean;
    balance?: number;
    rulings: {
      rulingNumber: string;
      rulingDate: string;
      academicYear: string;
      institution: string;
      returned: number;
    }[];
    accesses: {
      at: string;
      actorRole: string;
      institution?: string;
      action: string;
      purpose: string;
      outcome: string;
    }[];
    next?: string;
  };
  let first: Me | undefined;
  const accesses: Me['accesses'] = [];
  let next: string | undefined;
  do {
    const q = new URLSearchParams({ limit: opts.limit ?? '50', ...(next ? { next } : {}) });
    const r = await api.call('GET', `/v1/me?${q.toString()}`);
    ensureOk(r, opts.lang);
    const page = r.body as Me;
    first ??= page;
    accesses.push(...page.accesses);
    next = page.next;
  } while (opts.all && next);
  const { next: _first, ...rest } = first;
  const me: Me = { ...rest, accesses, ...(next ? { next } : {}) };
  if (opts.json) {
    printJson(me);
    return 0;
  }
  print(`${me.nationalNumber}  balance ${me.balance ?? '—'}${me.known ? '' : '  (not in the register)'}`);
  for (const c of me.rulings)
    print(`ruling ${c.rulingNumber}  ${c.rulingDate}  ${c.academicYear}  ${c.institution}  +${c.returned}`);
  for (const a of me.accesses)
    print(
      `${a.at}  ${(a.institution ?? a.actorRole).padEnd(12)} ${a.action.padEnd(24)} ${a.purpose.padEnd(24)} ${a.outcome}`,
    );
  if (me.next) print(`… older consultations: --all`);
  return 0;
}

export async function cmdAuditVerify(
  opts: ApiOut & { from?: string; to?: string; publicKey?: string; full?: boolean },
): Promise<number> {
  const { auditVerifyCommand } = await import('./audit-verify.js');
  return auditVerifyCommand(opts, { print, printJson });
}

/** The auditors' alerts (`GET /v1/audit/alerts`): one line each, newest day first. */
export async function cmdAuditAlerts(opts: ApiOut & { days?: string }): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const r = await api.call('GET', `/v1/audit/alerts?days=${encodeURIComponent(opts.days ?? '7')}`);
  ensureOk(r, opts.lang);
  const b = r.body as AuditAlerts;
  if (opts.json) printJson(b);
  else {
    const counted = b.countedUpTo ? ` (counted up to ${b.countedUpTo})` : ' (nothing sealed yet)';
    if (b.alerts.length === 0) print(`no alerts in the last ${b.days.length} days${counted}`);
    for (const a of b.alerts)
      print(`${a.day}  ${a.institution.padEnd(8)} ${a.kind.padEnd(26)} ${a.count} > ${a.threshold}`);
    if (b.alerts.length > 0) print(`${b.alerts.length} alert(s) in the last ${b.days.length} days${counted}`);
  }
  return 0;
}

/**
 * The institution's change feed (`GET /v1/changes`): every change after `--after` (all pages),
 * oldest first, then the cursor to pass next time (printed last; `--json`: `next`). With
 * `--purpose` the numbers are in full, each student shown audited with that purpose.
 */
export async function cmdChanges(
  opts: ApiOut & { after?: string; limit?: string; purpose?: string },
): Promise<number> {
  const api = await apiClient(opts, 'institution:UGENT');
  const items: ChangesPage['items'] = [];
  let after = opts.after;
  let more = true;
  while (more) {
    const q = new URLSearchParams({
      limit: opts.limit ?? '200',
      ...(after ? { after } : {}),
      ...(opts.purpose ? { purpose: opts.purpose } : {}),
    });
    const r = await api.call('GET', `/v1/changes?${q.toString()}`);
    ensureOk(r, opts.lang);
    const page = r.body as ChangesPage;
    items.push(...page.items);
    after = page.next ?? after;
    more = page.more && page.items.length > 0;
  }
  if (opts.json) {
    printJson({ items, ...(after ? { next: after } : {}) });
    return 0;
  }
  for (const c of items)
    print(
      `${c.changedAt}  ${c.nationalNumber}  ruling ${c.rulingNumber}  ${c.academicYear}  ${c.delta >= 0 ? '+' : ''}${c.delta}`,
    );
  if (items.length === 0) print('No changes.');
  if (after) print(`next: --after ${after}`);
  return 0;
}
