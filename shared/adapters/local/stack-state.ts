/**
 * Where the local stack keeps its data and how other processes (the CLI, tests) find it: the
 * running stack writes `<dataDir>/stack.json` with its endpoints and resource names.
 */
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV, EXTRACTS_BUCKET, TABLES, type TableName } from '../../config/resources.js';

export interface LocalStackState {
  readonly pid: number;
  /** The HTTP API (`/v1`) and the local OpenID issuer (`/local-idp`). */
  readonly apiUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  readonly bucket: string;
  readonly tables: Record<TableName, string>;
  readonly keyDir: string;
  readonly startedAt: string;
}

/** The project's own data folder (`.data/` at the repository root) unless RULING_INTAKE_DATA says otherwise. */
export function defaultDataDir(): string {
  return process.env.RULING_INTAKE_DATA
    ? resolve(process.env.RULING_INTAKE_DATA)
    : fileURLToPath(new URL('../../../.data', import.meta.url));
}

const stateFile = (dataDir: string) => join(dataDir, 'stack.json');

export async function writeState(dataDir: string, state: LocalStackState): Promise<void> {
  await writeFile(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export async function clearState(dataDir: string): Promise<void> {
  await rm(stateFile(dataDir), { force: true });
}

/** The running local stack's state, or `undefined` when none is running. */
export async function readState(dataDir: string): Promise<LocalStackState | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile(dataDir), 'utf8')) as LocalStackState;
    try {
      process.kill(state.pid, 0);
    } catch {
      return undefined; // left behind by a stack that is gone
    }
    return state;
  } catch {
    return undefined;
  }
}

/** Points this process's adapters (shared/composition/compose.ts) at a local stack. */
export function useLocalStack(state: LocalStackState): void {
  process.env[ENV.s3Endpoint] = state.s3Endpoint;
  process.env[ENV.dynamoEndpoint] = state.dynamoEndpoint;
  process.env[ENV.localKeyDir] = state.keyDir;
  process.env[EXTRACTS_BUCKET.env] = state.bucket;
  for (const name of Object.keys(TABLES) as TableName[]) process.env[TABLES[name].env] = state.tables[name];
  process.env.AWS_REGION ??= 'eu-west-1';
  process.env[ENV.authIssuer] = state.issuer;
  process.env[ENV.authAudience] = state.audience;
  process.env[ENV.authJwksUrl] = `${state.issuer}/jwks.json`;
}
