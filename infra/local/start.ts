/**
 * `npm start`: runs the whole system locally (no AWS account, no Docker) until Ctrl-C.
 * Data (objects, tables, queue, keys) persists under `.data/` (or RULING_INTAKE_DATA).
 */
import { startLocalStack } from './stack.js';
import { defaultDataDir, readState } from '../../shared/adapters/local/stack-state.js';

const dataDir = defaultDataDir();
const running = await readState(dataDir);
if (running) {
  process.stderr.write(`A local stack is already running (pid ${running.pid}) on ${dataDir}.\n`);
  process.exit(1);
}
const stack = await startLocalStack({
  dataDir,
  s3Port: Number(process.env.RULING_INTAKE_S3_PORT ?? 4569),
  dynamoPort: Number(process.env.RULING_INTAKE_DYNAMODB_PORT ?? 4567),
  apiPort: Number(process.env.RULING_INTAKE_API_PORT ?? 4580),
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
  npx ruling-intake intake pause | resume           # protocol art. 8

Ctrl-C stops; data stays in the data folder.
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
