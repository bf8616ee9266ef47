/**
 * `npm start`: runs the whole system locally (no AWS account, no Docker) until Ctrl-C.
 * Data (objects, tables, queue, keys) persists under `.data/` (or RULING_INTAKE_DATA).
 *
 * The terminal gets a few human-readable lines: where everything listens, then one line per
 * upload's outcome. The functions' JSON log lines (Powertools) are shown only with
 * `npm start -- --json-logs` or RULING_INTAKE_LOG=json; otherwise only their errors are.
 * (The Node.js version is checked by `prestart`, before any TypeScript is loaded.)
 */
import { createServer } from 'node:net';
import { defaultDataDir, readState } from '../../shared/adapters/local/stack-state.js';
import type { IntakeStatus } from '../../shared/ports/index.js';

const jsonLogs = process.argv.includes('--json-logs') || process.env.RULING_INTAKE_LOG === 'json';
// Read by the Powertools logger when the handlers load (below, through the stack).
process.env.POWERTOOLS_LOG_LEVEL ??= jsonLogs ? 'INFO' : 'ERROR';

const dataDir = defaultDataDir();
const running = await readState(dataDir);
if (running) {
  process.stderr.write(`A local stack is already running (pid ${running.pid}) on ${dataDir}.\n`);
  process.exit(1);
}

const ports = [
  { env: 'RULING_INTAKE_API_PORT', what: 'the API, the console and the local issuer', port: 4580 },
  { env: 'RULING_INTAKE_S3_PORT', what: 'S3 (s3rver)', port: 4569 },
  { env: 'RULING_INTAKE_DYNAMODB_PORT', what: 'DynamoDB (dynalite)', port: 4567 },
].map((p) => ({ ...p, port: Number(process.env[p.env] ?? p.port) }));

/** Whether a port can be listened on (checked first: a clash otherwise ends in a stack trace). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
function portInUse(port: number): never {
  const p = ports.find((q) => q.port === port);
  process.stderr.write(
    p
      ? `Port ${port} (${p.what}) is in use by another program: stop it, or choose another port, e.g. ${p.env}=${port + 1000} npm start\n`
      : `Port ${port} is in use by another program.\n`,
  );
  process.exit(1);
}
for (const p of ports) if (p.port !== 0 && !(await portFree(p.port))) portInUse(p.port);
// Taken between the check and the start (another stack starting at the same moment): same sentence.
process.on('uncaughtException', (e: NodeJS.ErrnoException & { port?: number }) => {
  if (e.code === 'EADDRINUSE' && e.port !== undefined) portInUse(e.port);
  process.stderr.write(`${e.stack ?? String(e)}\n`);
  process.exit(1);
});

const time = () => new Date().toTimeString().slice(0, 8);
const FINAL = new Set(['APPLIED', 'DUPLICATE', 'REJECTED', 'HELD']);
/** One line per outcome, from the status the intake writes (ids and codes only: nothing personal). */
const told = new Set<string>();
function outcomeLine(s: IntakeStatus): void {
  // Applied and duplicate statuses are written twice (before and after the extract is deleted).
  if (!FINAL.has(s.status) || told.has(`${s.intakeId} ${s.status}`)) return;
  told.add(`${s.intakeId} ${s.status}`);
  const detail = s.code ? ` ${s.code}` : s.rulingNumber ? ` ruling ${s.rulingNumber}` : '';
  process.stdout.write(`${time()}  upload ${s.intakeId}: ${s.status}${detail}\n`);
}

const { startLocalStack } = await import('./stack.js');
const [api, s3, dynamo] = ports;
const stack = await startLocalStack({
  dataDir,
  apiPort: api!.port,
  s3Port: s3!.port,
  dynamoPort: dynamo!.port,
  overrideDeps: (deps) =>
    jsonLogs
      ? deps
      : {
          ...deps,
          statuses: {
            get: (id) => deps.statuses.get(id),
            received: (s) => deps.statuses.received(s),
            bind: (s) => deps.statuses.bind(s),
            list: (o) => deps.statuses.list(o),
            page: (...a) => deps.statuses.page(...a),
            put: async (s) => {
              await deps.statuses.put(s);
              outcomeLine(s);
            },
          },
        },
});
const { state } = stack;
const banner = `
Ruling intake — local stack running (pid ${process.pid})
  Web console              ${state.apiUrl}/   (sign in as any demo user)
  HTTP API                 ${state.apiUrl}/v1   (OpenAPI: ${state.apiUrl}/v1/openapi.json)
  OpenID issuer (local)    ${state.issuer}
  S3 API (s3rver)          ${state.s3Endpoint}   bucket ${state.bucket}
  DynamoDB API (dynalite)  ${state.dynamoEndpoint}
  data folder              ${dataDir}
  local keys               ${state.keyDir} (mode 0600)

Try, in another terminal:
  npx ruling-intake upload samples/*.pdf --wait     # as a DBRC clerk
  npx ruling-intake status                          # what became of each upload
  npx ruling-intake balance 85073003328             # operator view (audited)
  npx ruling-intake intake pause                    # protocol art. 8; then: intake resume

Ctrl-C stops; data stays in the data folder.${jsonLogs ? '' : ' JSON logs: npm start -- --json-logs'}
`;
process.stdout.write(banner);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping…\n');
    void stack.stop().then(() => process.exit(0));
  });
}
