/**
 * `ruling-intake`: the command line for operators and clerks, against the local stack by default.
 * Output is for people unless `--json` is given; errors go to stderr with a non-zero exit code
 * (`EXIT` in output.ts, README "Exit codes").
 *
 * Start-up is the cost of every command, so this module loads commander and nothing else: each
 * command imports what it needs when it runs (`parse` alone loads pdf.js, `balance` alone the AWS
 * SDK). `bin/ruling-intake.js` runs the esbuild bundle of this module (dist/cli, one chunk per
 * command), so no TypeScript is compiled at run time.
 */
import { Command, Option } from 'commander';
import type { ApiOptions } from './api-client.js';
import { DEAD_LETTER_QUEUES, isDeadLetterQueue } from '../domain/dead-letters.js';
import type { Lang, Out } from './output.js';

type ApiOut = Out & ApiOptions & { lang: Lang };
const commands = () => import('./commands.js');

class UsageError extends Error {
  readonly exitCode = 2;
}

export function program(): Command {
  const json = () => new Option('--json', 'print JSON');
  const lang = () => new Option('--lang <lang>', 'language of messages').choices(['nl', 'en']).default('nl');
  const api = (c: Command, who: string) =>
    c
      .option(
        '--as <who>',
        `who calls (local issuer): clerk, auditor, operator, student, institution:<CODE>`,
        who,
      )
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
    .action((file: string, o: Out) => run(async () => (await import('./parse.js')).cmdParse(file, o))());
  p.command('token')
    .description(
      'Print a bearer token from the local issuer, for curl: -H "authorization: Bearer $(npx ruling-intake token --as clerk)".',
    )
    .option('--as <who>', 'clerk, auditor, operator, student, institution:<CODE>', 'clerk')
    .addOption(json())
    .action((o: { as: string; json?: boolean }) => run(async () => (await commands()).cmdToken(o))());
  api(
    p
      .command('upload')
      .description('Upload extract PDFs as a clerk (presigned POST).')
      .argument('<files...>', 'extract PDFs')
      .option('--wait', 'wait for each outcome'),
    'clerk',
  ).action((files: string[], o: ApiOut & { wait?: boolean }) =>
    run(async () => (await commands()).cmdUpload(files, o))(),
  );
  api(
    p
      .command('status')
      .description("What became of the clerk's uploads: one, or the newest 200.")
      .argument('[intakeId]'),
    'clerk',
  ).action((id: string | undefined, o: ApiOut) => run(async () => (await commands()).cmdStatus(id, o))());
  api(
    p
      .command('receipt')
      .description(
        'The signed receipt (JWS) of a final outcome, as the clerk of the upload; `receipt verify <file> --public-key <pem>` checks one offline with the receipt key and the audit log key alone.',
      )
      .argument('<intakeId>', 'the upload, or `verify`')
      .argument('[file]', 'for verify: the receipt file')
      .option('--out <file>', 'save the receipt here (e.g. receipt.jws)')
      .option(
        '--public-key-out <file>',
        'also save the two public keys the server sent (receipt key and audit log key, one PEM file)',
      )
      .option('--wait', 'wait (up to 2.5 minutes) until the decision is sealed into the audit log')
      .option('--public-key <pem>', 'for verify: the public keys (PEM) to trust — both, or the receipt key')
      .option(
        '--log-key <pem>',
        "for verify: the audit log's public key, when --public-key holds only the receipt key",
      ),
    'clerk',
  ).action(
    (
      id: string,
      file: string | undefined,
      o: ApiOut & {
        out?: string;
        publicKeyOut?: string;
        publicKey?: string;
        logKey?: string;
        wait?: boolean;
      },
    ) =>
      run(async () => {
        const [cmd, { print, printJson }] = await Promise.all([
          import('./receipt.js'),
          import('./output.js'),
        ]);
        if (id !== 'verify') return cmd.receiptCommand(id, o, { print, printJson });
        if (!file)
          throw new UsageError(
            'receipt verify needs the receipt file: receipt verify <file> --public-key <pem>.',
          );
        return cmd.receiptVerifyCommand(file, o, { print, printJson });
      })(),
  );
  p.command('balance')
    .description(
      'Operator view of a student’s learning credit, straight from the local ledger (the read is audited).',
    )
    .argument('<nationalNumber>')
    .addOption(json())
    .action((n: string, o: Out) => run(async () => (await import('./balance.js')).cmdBalance(n, o))());
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
  ).action((n: string, o: ApiOut & { purpose: string }) =>
    run(async () => (await commands()).cmdCredit(n, o))(),
  );
  api(
    p
      .command('enrol')
      .description('As an institution: declare that a student is enrolled with you.')
      .argument('<nationalNumber>')
      .argument('<academicYear>', 'e.g. 2024-2025'),
    'institution:UGENT',
  ).action((n: string, y: string, o: ApiOut) => run(async () => (await commands()).cmdEnrol(n, y, o))());
  api(
    p
      .command('changes')
      .description(
        'As an institution: your change feed — rulings that changed the credit of students you see (masked numbers unless --purpose), oldest first; prints the cursor for next time. `changes webhook-key` prints (or --out saves) the public key that verifies your webhook notifications.',
      )
      .argument('[what]', '`webhook-key`: the webhook public key instead of the feed')
      .option('--after <cursor>', 'the cursor printed last time (next: --after …)')
      .option(
        '--purpose <purpose>',
        'show full numbers; each student shown is audited with this purpose (enrolment, study-progress-decision, appeal, student-guidance)',
      )
      .option('--limit <n>', 'changes per request (1–200)', '200')
      .option('--out <file>', 'for webhook-key: save the PEM here (e.g. webhook.pem)'),
    'institution:UGENT',
  ).action(
    (
      what: string | undefined,
      o: ApiOut & { after?: string; limit?: string; purpose?: string; out?: string },
    ) => {
      if (what === undefined) return run(async () => (await commands()).cmdChanges(o))();
      if (what !== 'webhook-key') throw new UsageError(`Unknown changes action ${what}: use webhook-key.`);
      return run(async () => {
        const [cmd, { print, printJson }] = await Promise.all([
          import('./webhook.js'),
          import('./output.js'),
        ]);
        return cmd.webhookKeyCommand(o, { print, printJson });
      })();
    },
  );
  p.command('webhook')
    .description(
      'As a webhook receiver: `webhook verify --public-key webhook.pem < body` checks a received notification (signature, age) and prints its payload; exit 5 when it does not verify.',
    )
    .argument('<action>', 'verify')
    .option('--public-key <pem>', 'the webhook public key (`changes webhook-key --out webhook.pem`)')
    .option('--max-age <seconds>', 'refuse a notification sent longer ago than this', '300')
    .addOption(json())
    .action((a: string, o: Out & { publicKey?: string; maxAge?: string }) => {
      if (a !== 'verify') throw new UsageError(`Unknown webhook action ${a}: use verify.`);
      return run(async () => {
        const [cmd, { print, printJson }] = await Promise.all([
          import('./webhook.js'),
          import('./output.js'),
        ]);
        return cmd.webhookVerifyCommand(o, { print, printJson });
      })();
    });
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
      throw new UsageError(`Unknown intake action ${a}: use pause, resume or status.`);
    return run(async () => (await commands()).cmdIntake(a as 'pause' | 'resume' | 'status', o))();
  });
  api(
    p
      .command('redrive')
      .description(
        'Put the dead letters of a queue back on it once the cause is fixed: intake (extracts the intake gave up on) or webhooks (notifications a receiver refused). Safe to repeat.',
      )
      .argument('<queue>', DEAD_LETTER_QUEUES.join(' | ')),
    'operator',
  ).action((q: string, o: ApiOut) => {
    if (!isDeadLetterQueue(q))
      throw new UsageError(`Unknown queue ${q}: use ${DEAD_LETTER_QUEUES.join(' or ')}.`);
    return run(async () => (await commands()).cmdRedrive(q, o))();
  });
  api(
    p
      .command('held')
      .description(
        'Held extracts: list, page (save a held scan’s page image), approve (after DBRC confirmed the identity, or a scan compared with its page) or reject.',
      )
      .argument('<action>', 'list | page | approve | reject')
      .argument('[intakeId]')
      .option('--reason <text>', 'why, for reject')
      .option('--page <n>', 'which page, for page', '1')
      .option('--out <file>', 'where to save the page image (PNG), for page'),
    'operator',
  ).action(
    (a: string, id: string | undefined, o: ApiOut & { reason?: string; page?: string; out?: string }) => {
      if (!['list', 'page', 'approve', 'reject'].includes(a))
        throw new UsageError(`Unknown held action ${a}: use list, page, approve or reject.`);
      return run(async () => (await commands()).cmdHeld(a, id, o))();
    },
  );
  api(
    p
      .command('import')
      .description(
        'Import from DHO: balances (nationalNumber,surname,givenNames,openingBalance) or enrolments (nationalNumber,institution,academicYear).',
      )
      .argument('<kind>', 'balances | enrolments')
      .argument('<file>', 'CSV file'),
    'operator',
  ).action((k: string, f: string, o: ApiOut) =>
    run(async () => (await import('./import-csv.js')).cmdImport(k, f, o))(),
  );
  const audit = p
    .command('audit')
    .description('The audit trail: search it, verify it, report on one person.');
  api(
    audit
      .command('events')
      .description(
        'Access records, newest first, and the total line (counted without filters or per institution, over whole UTC days).',
      )
      .option('--subject <nationalNumber>')
      .option('--actor <id>')
      .option('--institution <code>')
      .option('--action <action>')
      .option('--outcome <outcome>', 'ALLOWED, DENIED, …')
      .option('--from <iso>', 'an instant, or a date: from the start of that UTC day')
      .option('--to <iso>', 'an instant, or a date: up to the end of that UTC day')
      .option('--csv', 'CSV output'),
    'auditor',
  ).action((o: ApiOut & Record<string, string | boolean | undefined>) =>
    run(async () => (await commands()).cmdAuditEvents(o))(),
  );
  api(
    audit
      .command('verify')
      .description(
        'Verify what was sealed since the last verified head (and the --from/--to window); --full starts the full re-verification and shows its signed result; with --public-key alone, verify offline from the local data with that key.',
      )
      .option('--from <iso>')
      .option('--to <iso>')
      .option('--days <n>', 'also verify every record of the last n days (a window from now − n days)')
      .option(
        '--full',
        'start the full re-verification (background) and show its progress and last signed result',
      )
      .option('--public-key <pem>', 'verify offline with this exported public key'),
    'auditor',
  ).action((o: ApiOut & { from?: string; to?: string; days?: string; publicKey?: string; full?: boolean }) =>
    run(async () => (await commands()).cmdAuditVerify(o))(),
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
      const [{ auditProveCommand }, { print, printJson }] = await Promise.all([
        import('./audit-verify.js'),
        import('./output.js'),
      ]);
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
      const [{ auditPublicKeyCommand }, { print }] = await Promise.all([
        import('./audit-verify.js'),
        import('./output.js'),
      ]);
      return auditPublicKeyCommand(o, { print });
    })(),
  );
  api(
    audit
      .command('subject')
      .description('Everything about one person: ledger entries and every access (GDPR art. 15).')
      .argument('<nationalNumber>'),
    'auditor',
  ).action((n: string, o: ApiOut) => run(async () => (await commands()).cmdAuditSubject(n, o))());
  api(
    audit
      .command('alerts')
      .description(
        'Alerts per institution per day: self-declared enrolments, reads of students not enrolled through DHO and denied attempts above their thresholds (from the sealed log).',
      )
      .addOption(
        new Option('--days <n>', 'the last 7, 14 or 31 days').choices(['7', '14', '31']).default('7'),
      ),
    'auditor',
  ).action((o: ApiOut & { days: string }) => run(async () => (await commands()).cmdAuditAlerts(o))());
  api(
    p
      .command('me')
      .description(
        "A student's own record: balance, rulings applied, and every consultation of their data with its purpose, newest first.",
      )
      .option('--limit <n>', 'consultations per page (1–200)', '50')
      .option('--all', 'follow the pages to the oldest consultation'),
    'student',
  ).action((o: ApiOut & { all?: boolean; limit?: string }) => run(async () => (await commands()).cmdMe(o))());
  p.hook('postAction', () => {
    process.exitCode = code;
  });
  return p;
}

/** A closed pipe (`status | head`) ends the command quietly: the reader has what it wanted. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  try {
    await program().parseAsync(argv);
  } catch (e) {
    const err = e as Error & { exitCode?: number; code?: string; cause?: { code?: string } };
    const refused = err.cause?.code === 'ECONNREFUSED' || err.code === 'ECONNREFUSED';
    process.stderr.write(
      `ruling-intake: ${refused ? 'cannot reach the API (is the local stack running? start it with: npm start)' : err.message}\n`,
    );
    process.exitCode = err.exitCode ?? 1;
  }
}
