/**
 * `ruling-intake`: the command line for operators and clerks, against the local stack by default.
 * Output is for people unless `--json` is given; errors go to stderr with a non-zero exit code.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import type { ExtractRejectedError } from '../domain/errors.js';
import { newIntakeId } from '../domain/ledger.js';
import { checkNationalNumber, maskNationalNumber } from '../domain/national-number.js';
import { parseExtract } from '../domain/parser.js';
import type { Extract } from '../domain/types.js';
import { extractKey } from '../config/resources.js';
import type { IntakeStatus } from '../ports/index.js';

type Out = { json?: boolean };
const print = (text: string) => process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

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

async function localStack() {
  const { defaultDataDir, readState, useLocalStack } = await import('../../infra/local/state.js');
  const state = await readState(defaultDataDir());
  if (!state) {
    throw new CliError('The local stack is not running. Start it in another terminal with: npm start');
  }
  useLocalStack(state);
  const compose = await import('../adapters/compose.js');
  return compose;
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
  const err: ExtractRejectedError = result.error;
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

async function cmdUpload(
  files: string[],
  opts: Out & { as: string; wait?: boolean; lang: 'nl' | 'en' },
): Promise<number> {
  const compose = await localStack();
  const deps = await compose.intakeDeps();
  const uploaded: { file: string; intakeId: string }[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const intakeId = newIntakeId();
    const key = extractKey(opts.as, intakeId);
    const now = new Date().toISOString();
    await deps.statuses.received({
      intakeId,
      uploader: opts.as,
      key,
      receivedAt: now,
      updatedAt: now,
      status: 'RECEIVED',
      size: bytes.byteLength,
    });
    await deps.extracts.put(key, bytes, { 'original-name': encodeURIComponent(basename(file)) });
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
      const s = await deps.statuses.get(u.intakeId);
      if (s && FINAL.has(s.status)) results.set(u.intakeId, s);
    }
    if (results.size < uploaded.length) await new Promise((r) => setTimeout(r, 250));
  }
  if (opts.json)
    printJson(
      uploaded.map((u) => ({
        file: u.file,
        ...(results.get(u.intakeId) ?? { intakeId: u.intakeId, status: 'RECEIVED' }),
      })),
    );
  else
    for (const u of uploaded)
      print(
        `${basename(u.file)}: ${results.get(u.intakeId) ? statusLine(results.get(u.intakeId)!, opts.lang) : `${u.intakeId} still RECEIVED (is intake paused?)`}`,
      );
  return results.size === uploaded.length ? 0 : 3;
}

async function cmdStatus(
  intakeId: string | undefined,
  opts: Out & { lang: 'nl' | 'en'; as?: string },
): Promise<number> {
  const compose = await localStack();
  const deps = await compose.intakeDeps();
  if (intakeId) {
    const s = await deps.statuses.get(intakeId);
    if (!s) throw new CliError(`No intake ${intakeId}.`);
    if (opts.json) printJson(s);
    else print(statusLine(s, opts.lang));
    return 0;
  }
  const list = await deps.statuses.list({ ...(opts.as ? { uploader: opts.as } : {}), limit: 200 });
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
  const compose = await localStack();
  const deps = await compose.intakeDeps();
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
    corrections: entries.map((e) => ({
      rulingNumber: e.rulingNumber,
      rulingDate: e.rulingDate,
      academicYear: e.academicYear,
      institution: e.institution,
      programme: e.programme,
      requested: e.requested,
      returned: e.returned,
      appliedAt: e.appliedAt,
    })),
  };
  if (opts.json) printJson(view);
  else {
    print(
      `${view.nationalNumber}: learning credit ${view.balance}${view.known ? '' : ' (no rulings or imports for this number: the starting credit)'}`,
    );
    for (const c of view.corrections)
      print(
        `  + ${String(c.returned).padStart(3)}  ruling ${c.rulingNumber} of ${c.rulingDate}, ${c.academicYear} ${c.institution} — ${c.programme}`,
      );
  }
  return 0;
}

async function cmdIntake(action: 'pause' | 'resume' | 'status', opts: Out): Promise<number> {
  const compose = await localStack();
  const control = compose.intakeControl();
  if (action !== 'status')
    await control.setPaused(action === 'pause', `operator:${process.env.USER ?? 'local'}`);
  const paused = await control.isPaused();
  if (opts.json) printJson({ intake: paused ? 'paused' : 'running' });
  else
    print(
      paused
        ? 'Intake is paused: uploads keep queueing; resume with: npx ruling-intake intake resume'
        : 'Intake is running.',
    );
  return 0;
}

export function program(): Command {
  const json = new Option('--json', 'print JSON');
  const lang = new Option('--lang <lang>', 'language of messages').choices(['nl', 'en']).default('nl');
  const p = new Command('ruling-intake')
    .description(
      'Court-ruling intake for the learning-credit registry (DBRC → AHOVOKS). Works against the local stack (npm start).',
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
    .addOption(json)
    .action((file: string, o: Out) => run(() => cmdParse(file, o))());
  p.command('upload')
    .description('Upload extract PDFs as a clerk would (to the local stack).')
    .argument('<files...>', 'extract PDFs')
    .option('--as <clerk>', 'the clerk uploading', 'griffie-demo')
    .option('--wait', 'wait until each extract is processed and show the outcome')
    .addOption(lang)
    .addOption(json)
    .action((files: string[], o: Out & { as: string; wait?: boolean; lang: 'nl' | 'en' }) =>
      run(() => cmdUpload(files, o))(),
    );
  p.command('status')
    .description('Show what became of uploads: one intake, or the newest 200.')
    .argument('[intakeId]')
    .option('--as <clerk>', 'only this clerk’s uploads')
    .addOption(lang)
    .addOption(json)
    .action((id: string | undefined, o: Out & { lang: 'nl' | 'en'; as?: string }) =>
      run(() => cmdStatus(id, o))(),
    );
  p.command('balance')
    .description(
      'Operator view of a student’s learning credit and ruling-based corrections (the read is audited).',
    )
    .argument('<nationalNumber>')
    .addOption(json)
    .action((n: string, o: Out) => run(() => cmdBalance(n, o))());
  p.command('intake')
    .description('Pause or resume intake (protocol art. 8): while paused, uploads queue and nothing is lost.')
    .argument('<action>', 'pause | resume | status')
    .addOption(json)
    .action((a: string, o: Out) => {
      if (!['pause', 'resume', 'status'].includes(a))
        throw new CliError(`Unknown intake action ${a}: use pause, resume or status.`);
      return run(() => cmdIntake(a as 'pause' | 'resume' | 'status', o))();
    });
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
