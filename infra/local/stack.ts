/**
 * The local stack: the same intake handler as on AWS, driven by s3rver's object events through
 * a persistent in-process queue with SQS semantics (retries, dead letters after 3 receives), with
 * dynalite for DynamoDB and local key files for KMS. Used by `npm start`, the CLI and the tests.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ENV, LIMITS } from '../../shared/config/resources.js';
import type { IntakeDeps } from '../../shared/use-cases/process-extract.js';
import { startEmulators, type Emulators } from './emulators.js';
import { LocalQueue } from './queue.js';
import { clearState, useLocalStack, writeState, type LocalStackState } from './state.js';

export interface LocalStackOptions {
  readonly dataDir: string;
  /** 0 picks free ports (tests); `npm start` uses fixed defaults so the CLI finds them. */
  readonly s3Port?: number;
  readonly dynamoPort?: number;
  readonly retryDelayMs?: number;
  readonly pauseCheckIntervalMs?: number;
  /** Replaces or adds ports (tests inject crashes through `afterStep`). */
  readonly overrideDeps?: (deps: IntakeDeps) => IntakeDeps;
  /** Write `stack.json` so the CLI can find this stack (default true). */
  readonly publish?: boolean;
}

export interface LocalStack {
  readonly state: LocalStackState;
  readonly emulators: Emulators;
  readonly queue: LocalQueue;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const emulators = await startEmulators({
    dataDir: options.dataDir,
    s3Port: options.s3Port ?? 0,
    dynamoPort: options.dynamoPort ?? 0,
  });
  const state: LocalStackState = {
    pid: process.pid,
    s3Endpoint: emulators.s3Endpoint,
    dynamoEndpoint: emulators.dynamoEndpoint,
    bucket: emulators.bucket,
    tables: emulators.tables,
    keyDir: join(options.dataDir, 'keys'),
    startedAt: new Date().toISOString(),
  };
  // The handler modules read their configuration from the environment, as in Lambda.
  useLocalStack(state);
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env[ENV.serviceName] ??= 'ruling-intake';
  const compose = await import('../../shared/adapters/compose.js');
  compose.resetComposition();
  const { createHandler } = await import('../../functions/intake/handler.js');
  const override = options.overrideDeps ?? ((d: IntakeDeps) => d);
  const handler = createHandler(async () => override(await compose.intakeDeps()));
  const control = compose.intakeControl();
  await compose.keyPorts(); // create the local keys now, not on the first upload

  const queue = new LocalQueue({
    dataDir: options.dataDir,
    retryDelayMs: options.retryDelayMs ?? 1000,
    isPaused: () => control.isPaused(),
    pauseCheckIntervalMs: options.pauseCheckIntervalMs ?? 500,
    handlerTimeoutMs: LIMITS.intakeFunctionTimeoutSeconds * 1000,
  });
  await queue.open();
  const unsubscribe = emulators.onObjectCreated((body) => queue.send(body));
  await queue.start(handler);
  if (options.publish !== false) await writeState(options.dataDir, state);

  return {
    state,
    emulators,
    queue,
    async stop() {
      unsubscribe();
      await queue.stop();
      await emulators.stop();
      if (options.publish !== false) await clearState(options.dataDir);
    },
  };
}
