/**
 * `ruling-intake`: the command line for operators and clerks, against the local stack by default.
 * Output is for people unless `--json` is given; errors go to stderr with a non-zero exit code.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { toCorrection } from '../use-cases/consult.js';
import { apiClient, CliError, ensureOk, localState, localToken, type ApiOptions } from './api-client.js';
import { importChunk, readImportFile } from './import-csv.js';
import type { ExtractHeldError, ExtractRejectedError } from '../domain/errors.js';
import { checkNationalNumber, maskNationalNumber } from '../domain/national-number.js';
import { parseExtract } from '../adapters/pdf/pdfjs-reader.js';
import type { Extract } from '../domain/types.js';
import type { IntakeStatus } from '../ports/index.js';

type Out = { json?: boolean };
const print = (text: string) => process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

/** The parse contract: the extract as read, without the address (never kept). */
function publicExtract(e: Extract) {
  return {
    rulingNumber: e.rulingNumber,
    docket: e.docket,
    rulingDate: e.rulingDate,
    decision: e.decision,
    surname: e.surname,
    givenNames: e.givenNames,
    nationalNumber: e.nationalNumber,
    lines: e.lines,
  };
}

async function cmdParse(file: string, opts: Out): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    const error = {
      ok: false,
      code: 'FILE_NOT_READABLE',
      field: 'file',
      message: { nl: `Kan ${file} niet lezen.`, en: `Cannot read ${file}.` },
    };
    if (opts.json) printJson(error);
    else process.stderr.write(`${error.message.en}\n`);
    return 1;
  }
  const result = await parseExtract(bytes);
  if (result.ok) {
    if (opts.json) printJson({ ok: true, extract: publicExtract(result.extract) });
    else {
      const e = result.extract;
      print(`accepted: ruling ${e.rulingNumber} (${e.docket}) of ${e.rulingDate}`);
      print(`student:  ${e.surname}, ${e.givenNames} — ${e.nationalNumber}`);
      for (const l of e.lines)
        print(
          `  ${l.academicYear} ${l.institution.padEnd(10)} ${String(l.returned).padStart(3)}/${String(l.requested).padEnd(3)} ${l.programme}`,
        );
    }
    return 0;
  }
  const err: ExtractRejectedError | ExtractHeldError = result.error;
  const body = { ok: false, code: err.code, field: err.field ?? 'file', message: err.messages };
  if (opts.json) printJson(body);
  else
    print(
      `rejected: ${err.code}${err.field ? ` (${err.field})` : ''}\n  nl: ${err.messages.nl}\n  en: ${err.messages.en}`,
    );
  return 2;
}

function statusLine(s: IntakeStatus, lang: 'nl' | 'en'): string {
  const msg = s.message ? ` — ${s.message[lang]}` : '';
  return `${s.intakeId}  ${s.status.padEnd(9)} ${(s.code ?? '').padEnd(21)} ${s.receivedAt}${msg}`;
}

const FINAL = new Set(['APPLIED', 'DUPLICATE', 'REJECTED', 'HELD']);
type Lang = 'nl' | 'en';
type ApiOut = Out & ApiOptions & { lang: Lang };

/** Uploads through the API as a clerk: POST /v1/extracts, then the presigned POST to S3. */
async function cmdUpload(files: string[], opts: ApiOut & { wait?: boolean }): Promise<number> {
  const api = await apiClient(opts, 'clerk');
  const uploaded: { file: string; intakeId: string }[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const r = await api.call('POST', '/v1/extracts');
    ensureOk(r, opts.lang);
    const { intakeId, upload } = r.body as {
      intakeId: string;
      upload: { url: string; fields: Record<string, string> };
    };
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), basename(file));
    const put = await fetch(upload.url, { method: 'POST', body: form });
    if (!put.ok)
      throw new CliError(`upload of ${basename(file)} refused by storage: ${put.status} ${await put.text()}`);
    uploaded.push({ file, intakeId });
    if (!opts.json) print(`uploaded ${basename(file)} → intake ${intakeId}`);
  }
  if (!opts.wait) {
    if (opts.json) printJson(uploaded);
    else print('Follow them with: npx ruling-intake status');
    return 0;
  }
  const deadline = Date.now() + 120_000;
  const results = new Map<string, IntakeStatus>();
  while (results.size < uploaded.length && Date.now() < deadline) {
    for (const u of uploaded) {
      if (results.has(u.intakeId)) continue;
      const r = await api.call('GET', `/v1/extracts/${u.intakeId}`);
      ensureOk(r, opts.lang);
      const s = r.body as IntakeStatus;
      if (FINAL.has(s.status)) results.set(u.intakeId, s);
    }
    if (results.size < uploaded.length) await new Promise((res) => setTimeout(res, 250));
  }
  if (opts.json)
    printJson(
      uploaded.map((u) => ({
        file: u.file,
        ...(results.get(u.intakeId) ?? { intakeId: u.intakeId, status: 'RECEIVED' }),
      })),
    );
  else
    for (const u of uploaded) {
      const s = results.get(u.intakeId);
      print(
        `${basename(u.file)}: ${s ? statusLine(s, opts.lang) : `${u.intakeId} not processed yet (is intake paused?)`}`,
      );
    }
  return results.size === uploaded.length ? 0 : 3;
}

async function cmdStatus(intakeId: string | undefined, opts: ApiOut): Promise<number> {
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

async function cmdBalance(nationalNumber: string, opts: Out): Promise<number> {
  const check = checkNationalNumber(nationalNumber);
  if (!check.valid || !check.digits)
    throw new CliError(
      `Invalid national register number ${maskNationalNumber(nationalNumber)} (${check.problem}).`,
      2,
    );
  const state = await localState();
  if (!state)
    throw new CliError('The local stack is not running. Start it in another terminal with: npm start');
  const { useLocalStack } = await import('../adapters/local/stack-state.js');
  useLocalStack(state);
  const compose = await import('../composition/compose.js');
  const deps = { ...(await compose.keyPorts()), audit: compose.auditLog(), ledger: compose.ledgerStore() };
  const pseudonym = await deps.keys.mac('pseudonym', check.digits);
  // Fail closed: the operator's read is logged before any data is shown.
  const at = new Date().toISOString();
  await deps.audit.append({
    id: `cli:${at}:${pseudonym.slice(0, 12)}:${Math.random().toString(36).slice(2, 10)}`,
    at,
    actor: { id: `operator:${process.env.USER ?? 'local'}`, role: 'operator' },
    action: 'ledger.read-balance',
    subject: pseudonym,
    purpose: 'operator-support',
    outcome: 'ALLOWED',
    requestId: `cli-${process.pid}`,
  });
  const student = await deps.ledger.getStudent(pseudonym);
  const entries = student ? await deps.ledger.listEntries(pseudonym) : [];
  const view = {
    nationalNumber: maskNationalNumber(check.digits),
    known: Boolean(student),
    balance: student?.balance ?? 140,
    openingBalance: student?.openingBalance ?? 140,
    corrections: entries.map((e) => ({ ...toCorrection(e), appliedAt: e.appliedAt })),
  };
  if (opts.json) printJson(view);
  else printCredit(view, !view.known);
  return 0;
}

function printCredit(
  view: {
    nationalNumber: string;
    balance: number;
    corrections: readonly {
      returned: number;
      rulingNumber: string;
      rulingDate: string;
      academicYear: string;
      institution: string;
      programme: string;
    }[];
  },
  starting = false,
) {
  print(
    `${view.nationalNumber}: learning credit ${view.balance}${starting ? ' (no rulings or imports for this number: the starting credit)' : ''}`,
  );
  for (const c of view.corrections)
    print(
      `  + ${String(c.returned).padStart(3)}  ruling ${c.rulingNumber} of ${c.rulingDate}, ${c.academicYear} ${c.institution} — ${c.programme}`,
    );
}

async function cmdToken(opts: { as: string; json?: boolean }): Promise<number> {
  const state = await localState();
  if (!state)
    throw new CliError('The local stack is not running. Start it in another terminal with: npm start');
  const token = await localToken(state.issuer, opts.as);
  if (opts.json) printJson({ access_token: token, token_type: 'Bearer', endpoint: state.apiUrl });
  else print(token);
  return 0;
}

async function cmdCredit(nn: string, opts: ApiOut & { purpose: string }): Promise<number> {
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

async function cmdEnrol(nn: string, year: string, opts: ApiOut): Promise<number> {
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

async function cmdIntake(action: 'pause' | 'resume' | 'status', opts: ApiOut): Promise<number> {
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

async function cmdHeld(
  action: string,
  id: string | undefined,
  opts: ApiOut & { reason?: string },
): Promise<number> {
  const api = await apiClient(opts, 'operator');
  if (action === 'list') {
    const r = await api.call('GET', '/v1/admin/held');
    ensureOk(r, opts.lang);
    const items = (r.body as { items: IntakeStatus[] }).items;
    if (opts.json) printJson(items);
    else if (items.length === 0) print('No held extracts.');
    else for (const s of items) print(statusLine(s, opts.lang));
    return 0;
  }
  if (!id) throw new CliError(`held ${action} needs an intake id.`);
  const r = await api.call('POST', `/v1/admin/held/${encodeURIComponent(id)}:${action}`, {
    json: action === 'reject' ? { ...(opts.reason ? { reason: opts.reason } : {}) } : {},
  });
  ensureOk(r, opts.lang);
  if (opts.json) printJson(r.body);
  else print(statusLine(r.body as IntakeStatus, opts.lang));
  return 0;
}

const IMPORT_CHUNK = 250;

/** Sends the CSV in chunks (with its header on each) and shows a progress bar on stderr. */
async function cmdImport(kind: string, file: string, opts: ApiOut): Promise<number> {
  if (kind !== 'balances' && kind !== 'enrolments')
    throw new CliError(`Unknown import ${kind}: use balances or enrolments.`);
  const api = await apiClient(opts, 'operator');
  const { header, rows: body } = readImportFile(await readFile(file, 'utf8'));
  const total = {
    lines: 0,
    accepted: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    refused: [] as { line: number; code: string; message: Record<Lang, string> }[],
  };
  const bar =
    opts.json || !process.stderr.isTTY
      ? undefined
      : new SingleBar({ format: `import ${kind} [{bar}] {value}/{total} lines`, stream: process.stderr });
  bar?.start(body.length, 0);
  for (let i = 0; i < body.length; i += IMPORT_CHUNK) {
    const chunk = body.slice(i, i + IMPORT_CHUNK);
    const text = importChunk(header, chunk);
    const r = await api.call('POST', `/v1/admin/imports/${kind}`, { text, contentType: 'text/csv' });
    ensureOk(r, opts.lang);
    const rep = r.body as typeof total;
    total.lines += rep.lines;
    total.accepted += rep.accepted;
    total.created += rep.created;
    total.updated += rep.updated;
    total.unchanged += rep.unchanged;
    // Map line numbers of the chunk back to the file's.
    for (const ref of rep.refused) {
      const original = chunk[ref.line - (header ? 2 : 1)]?.line ?? ref.line;
      total.refused.push({
        ...ref,
        line: original,
        message: {
          nl: ref.message.nl.replace(/^Lijn \d+/, `Lijn ${original}`),
          en: ref.message.en.replace(/^Line \d+/, `Line ${original}`),
        },
      });
    }
    bar?.update(Math.min(body.length, i + IMPORT_CHUNK));
  }
  bar?.stop();
  if (opts.json) printJson(total);
  else {
    print(
      `${total.lines} lines: ${total.accepted} accepted (${total.created} new, ${total.updated} updated, ${total.unchanged} unchanged), ${total.refused.length} refused`,
    );
    for (const r of total.refused) print(`  ${r.code}: ${r.message[opts.lang]}`);
  }
  return total.refused.length ? 4 : 0;
}

async function cmdAuditEvents(opts: ApiOut & Record<string, string | boolean | undefined>): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const q = new URLSearchParams();
  for (const k of ['subject', 'actor', 'institution', 'action', 'outcome', 'from', 'to'] as const)
    if (typeof opts[k] === 'string') q.set(k, opts[k] as string);
  if (opts.csv) {
    const r = await api.call('GET', `/v1/audit/events?${q}`, { accept: 'text/csv' });
    ensureOk(r, opts.lang);
    process.stdout.write(r.text);
    return 0;
  }
  const items: Record<string, unknown>[] = [];
  let next: string | undefined;
  do {
    const page = new URLSearchParams(q);
    page.set('limit', '1000');
    if (next) page.set('next', next);
    const r = await api.call('GET', `/v1/audit/events?${page}`);
    ensureOk(r, opts.lang);
    const b = r.body as { items: Record<string, unknown>[]; next?: string };
    items.push(...b.items);
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
  return 0;
}

async function cmdAuditSubject(nn: string, opts: ApiOut): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const r = await api.call('GET', `/v1/audit/subjects/${encodeURIComponent(nn)}`);
  ensureOk(r, opts.lang);
  printJson(r.body);
  return 0;
}

async function cmdAuditVerify(
  opts: ApiOut & { from?: string; to?: string; publicKey?: string },
): Promise<number> {
  const { auditVerifyCommand } = await import('./audit-verify.js');
  return auditVerifyCommand(opts, { print, printJson });
}

export function program(): Command {
  const json = () => new Option('--json', 'print JSON');
  const lang = () => new Option('--lang <lang>', 'language of messages').choices(['nl', 'en']).default('nl');
  const api = (c: Command, who: string) =>
    c
      .option('--as <who>', `who calls (local issuer): clerk, auditor, operator, institution:<CODE>`, who)
      .option('--endpoint <url>', 'API base URL (default: the running local stack)')
      .option('--token <jwt>', 'bearer token (default: one from the local issuer for --as)')
      .addOption(lang())
      .addOption(json());
  const p = new Command('ruling-intake')
    .description(
      'Court-ruling intake for the learning-credit registry (DBRC → AHOVOKS). Works against the local stack (npm start) unless --endpoint is given.',
    )
    .showHelpAfterError();
  let code = 0;
  const run = (fn: () => Promise<number>) => async () => {
    code = await fn();
  };
  p.command('parse')
    .description(
      'Read an extract PDF and show what the intake would read (or why it would reject it). Shows the national number in full: for files you already hold.',
    )
    .argument('<file>', 'the extract PDF')
    .addOption(json())
    .action((file: string, o: Out) => run(() => cmdParse(file, o))());
  p.command('token')
    .description(
      'Print a bearer token from the local issuer, for curl: -H "authorization: Bearer $(npx ruling-intake token --as clerk)".',
    )
    .option('--as <who>', 'clerk, auditor, operator, institution:<CODE>', 'clerk')
    .addOption(json())
    .action((o: { as: string; json?: boolean }) => run(() => cmdToken(o))());
  api(
    p
      .command('upload')
      .description('Upload extract PDFs as a clerk (presigned POST).')
      .argument('<files...>', 'extract PDFs')
      .option('--wait', 'wait for each outcome'),
    'clerk',
  ).action((files: string[], o: ApiOut & { wait?: boolean }) => run(() => cmdUpload(files, o))());
  api(
    p
      .command('status')
      .description("What became of the clerk's uploads: one, or the newest 200.")
      .argument('[intakeId]'),
    'clerk',
  ).action((id: string | undefined, o: ApiOut) => run(() => cmdStatus(id, o))());
  p.command('balance')
    .description(
      'Operator view of a student’s learning credit, straight from the local ledger (the read is audited).',
    )
    .argument('<nationalNumber>')
    .addOption(json())
    .action((n: string, o: Out) => run(() => cmdBalance(n, o))());
  api(
    p
      .command('credit')
      .description('As an institution: a student’s learning credit and ruling-based corrections.')
      .argument('<nationalNumber>')
      .requiredOption(
        '--purpose <purpose>',
        'enrolment | study-progress-decision | appeal | student-guidance',
      ),
    'institution:UGENT',
  ).action((n: string, o: ApiOut & { purpose: string }) => run(() => cmdCredit(n, o))());
  api(
    p
      .command('enrol')
      .description('As an institution: declare that a student is enrolled with you.')
      .argument('<nationalNumber>')
      .argument('<academicYear>', 'e.g. 2024-2025'),
    'institution:UGENT',
  ).action((n: string, y: string, o: ApiOut) => run(() => cmdEnrol(n, y, o))());
  api(
    p
      .command('intake')
      .description(
        'Pause or resume intake (protocol art. 8): while paused, uploads queue and nothing is lost.',
      )
      .argument('<action>', 'pause | resume | status'),
    'operator',
  ).action((a: string, o: ApiOut) => {
    if (!['pause', 'resume', 'status'].includes(a))
      throw new CliError(`Unknown intake action ${a}: use pause, resume or status.`);
    return run(() => cmdIntake(a as 'pause' | 'resume' | 'status', o))();
  });
  api(
    p
      .command('held')
      .description('Held extracts: list, approve (after DBRC confirmed the identity) or reject.')
      .argument('<action>', 'list | approve | reject')
      .argument('[intakeId]')
      .option('--reason <text>', 'why, for reject'),
    'operator',
  ).action((a: string, id: string | undefined, o: ApiOut & { reason?: string }) => {
    if (!['list', 'approve', 'reject'].includes(a))
      throw new CliError(`Unknown held action ${a}: use list, approve or reject.`);
    return run(() => cmdHeld(a, id, o))();
  });
  api(
    p
      .command('import')
      .description(
        'Import from DHO: balances (nationalNumber,surname,givenNames,openingBalance) or enrolments (nationalNumber,institution,academicYear).',
      )
      .argument('<kind>', 'balances | enrolments')
      .argument('<file>', 'CSV file'),
    'operator',
  ).action((k: string, f: string, o: ApiOut) => run(() => cmdImport(k, f, o))());
  const audit = p
    .command('audit')
    .description('The audit trail: search it, verify it, report on one person.');
  api(
    audit
      .command('events')
      .description('Access records, newest first.')
      .option('--subject <nationalNumber>')
      .option('--actor <id>')
      .option('--institution <code>')
      .option('--action <action>')
      .option('--outcome <outcome>', 'ALLOWED, DENIED, …')
      .option('--from <iso>')
      .option('--to <iso>')
      .option('--csv', 'CSV output'),
    'auditor',
  ).action((o: ApiOut & Record<string, string | boolean | undefined>) => run(() => cmdAuditEvents(o))());
  api(
    audit
      .command('verify')
      .description(
        'Recompute the signed checkpoint chain; with --public-key, verify offline from the local data with that key alone.',
      )
      .option('--from <iso>')
      .option('--to <iso>')
      .option('--public-key <pem>', 'verify offline with this exported public key'),
    'auditor',
  ).action((o: ApiOut & { from?: string; to?: string; publicKey?: string }) =>
    run(() => cmdAuditVerify(o))(),
  );
  api(
    audit
      .command('prove')
      .description(
        'Inclusion proof of one record in the signed Merkle tree, checked here offline (with --public-key: that key alone).',
      )
      .argument('<recordId>')
      .option('--public-key <pem>', 'check the signed tree head with this exported public key')
      .option('--record <json>', 'also check that this record (as stored, JSON) is the one proven'),
    'auditor',
  ).action((id: string, o: ApiOut & { publicKey?: string; record?: string }) =>
    run(async () => {
      const { auditProveCommand } = await import('./audit-verify.js');
      return auditProveCommand(id, o, { print, printJson });
    })(),
  );
  api(
    audit
      .command('public-key')
      .description('Print the checkpoint signing key (PEM), to verify offline with --public-key.'),
    'auditor',
  ).action((o: ApiOut) =>
    run(async () => {
      const { auditPublicKeyCommand } = await import('./audit-verify.js');
      return auditPublicKeyCommand(o, { print });
    })(),
  );
  api(
    audit
      .command('subject')
      .description('Everything about one person: ledger entries and every access (GDPR art. 15).')
      .argument('<nationalNumber>'),
    'auditor',
  ).action((n: string, o: ApiOut) => run(() => cmdAuditSubject(n, o))());
  p.hook('postAction', () => {
    process.exitCode = code;
  });
  return p;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    process.stderr.write(`ruling-intake: ${err.message}\n`);
    process.exitCode = err.exitCode ?? 1;
  }
}
