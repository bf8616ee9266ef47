/**
 * The local stack: the same intake handler as on AWS, driven by s3rver's object events through
 * a persistent in-process queue with SQS semantics (retries, dead letters after 3 receives), with
 * dynalite for DynamoDB and local key files for KMS. Used by `npm start`, the CLI and the tests.
 * The change feed's relay runs in-process; its webhook notifications (when `WEBHOOK_TARGETS` names
 * an institution) go through a second persistent queue to the same delivery handler as on AWS.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ENV, LIMITS, WEBHOOKS } from '../../shared/config/resources.js';
import type { IntakeDeps } from '../../shared/use-cases/process-extract.js';
import { startEmulators, type Emulators } from './emulators.js';
import { startLocalHttp, type ApiLambda } from './http.js';
import { CONSOLE_CLIENT_ID, allowConsoleUploads, consoleHandler, consoleOrigins } from './console.js';
import { createLocalIdp, type LocalIdp } from './idp.js';
import type { ApiFunction } from '../../shared/config/routes.js';
import { s3EventBody } from '../../shared/adapters/aws/s3-event.js';
import { intakeIdentity } from '../../shared/domain/extract-keys.js';
import type { IntakeStatusStore, QueueOperations } from '../../shared/ports/index.js';

/** How long one local sealer tick may spend on a requested full verification. */
const LOCAL_FULL_VERIFICATION_SLICE_MS = 5000;

/** The audience of tokens the local issuer makes for this API. */
export const LOCAL_AUDIENCE = 'ruling-intake';

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}
import { LocalQueue, localQueueOperations } from './queue.js';
import {
  clearState,
  useLocalStack,
  writeState,
  type LocalStackState,
} from '../../shared/adapters/local/stack-state.js';

export interface LocalStackOptions {
  readonly dataDir: string;
  /** 0 picks free ports (tests); `npm start` uses fixed defaults so the CLI finds them. */
  readonly s3Port?: number;
  readonly dynamoPort?: number;
  /** The HTTP API and the local OpenID issuer. */
  readonly apiPort?: number;
  /** How often the local sealer seals new audit records (default 10 s; 0 = only on `seal()`). */
  readonly sealEveryMs?: number;
  /** How often the local relay fans new outbox entries out to the feeds (default 1 s; 0 = only on `relay()`). */
  readonly relayEveryMs?: number;
  readonly retryDelayMs?: number;
  readonly pauseCheckIntervalMs?: number;
  /** Deliver messages while intake is paused (an event source mapping left enabled). */
  readonly pollWhilePaused?: boolean;
  /** Replaces or adds ports (tests inject crashes through `afterStep`). */
  readonly overrideDeps?: (deps: IntakeDeps) => IntakeDeps;
  /**
   * Webhooks: institution code → URL (`http://127.0.0.1…` allowed locally). Sets `WEBHOOK_TARGETS`
   * as the CDK sets it on AWS; unset: the variable as `npm start` found it in the environment.
   */
  readonly webhooks?: Readonly<Record<string, string>>;
  /** Wait before a failed webhook delivery is tried again (default 5 s; SQS's visibility timeout on AWS). */
  readonly webhookRetryDelayMs?: number;
  /** Write `stack.json` so the CLI can find this stack (default true). */
  readonly publish?: boolean;
  /** Serve the web console (`web/dist`, or this folder) at the root URL; `false`: do not (default: serve). */
  readonly consoleDir?: string | false;
}

export interface LocalStack {
  readonly state: LocalStackState;
  readonly idp: LocalIdp;
  readonly emulators: Emulators;
  readonly queue: LocalQueue;
  /** The webhook queue: notifications the relay queued, delivered by the webhook handler; its dead letters. */
  readonly webhookQueue: LocalQueue;
  /** The operator's view of both queues: counts and dead-letter redrive (what the admin API uses). */
  readonly queues: QueueOperations;
  /** Seals the audit records written so far (what the scheduled sealer does every minute on AWS). */
  seal(): Promise<void>;
  /** Relays pending change-feed outbox entries (what the stream-triggered relay does on AWS). */
  relay(): Promise<{ relayed: number; waiting: number }>;
  stop(): Promise<void>;
}

/** AWAITING_UPLOAD → RECEIVED for each object of an S3 event body (the intake does the rest). */
async function recordReceipt(statuses: IntakeStatusStore, body: string): Promise<void> {
  const records = (JSON.parse(body) as { Records?: { s3?: { object?: { key?: string } } }[] }).Records ?? [];
  for (const r of records) {
    const key = decodeURIComponent((r.s3?.object?.key ?? '').replace(/\+/g, ' '));
    const { intakeId } = intakeIdentity(key);
    const s = await statuses.get(intakeId);
    if (s?.status === 'AWAITING_UPLOAD')
      await statuses.put({ ...s, status: 'RECEIVED', updatedAt: new Date().toISOString() });
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const emulators = await startEmulators({
    dataDir: options.dataDir,
    s3Port: options.s3Port ?? 0,
    dynamoPort: options.dynamoPort ?? 0,
  });
  const extra: NonNullable<Parameters<typeof startLocalHttp>[0]['extra']> = [];
  // The API handlers are created once the environment is set; requests before that get 503.
  const api: Partial<Record<ApiFunction, ApiLambda>> = {};
  const route =
    (fn: ApiFunction): ApiLambda =>
    (e) =>
      api[fn] ? api[fn](e) : Promise.resolve({ statusCode: 503, body: '{"code":"STARTING"}' });
  const functions: Record<ApiFunction, ApiLambda> = {
    clerk: route('clerk'),
    institution: route('institution'),
    audit: route('audit'),
    admin: route('admin'),
  };
  const http = await startLocalHttp({ port: options.apiPort ?? 0, functions, extra });
  const idp = await createLocalIdp({
    dataDir: options.dataDir,
    issuer: `${http.url}/local-idp`,
    audience: LOCAL_AUDIENCE,
  });
  extra.push((req, res) => idp.handle(req, res));
  if (options.consoleDir !== false) {
    extra.push(
      consoleHandler({
        ...(options.consoleDir ? { dir: options.consoleDir } : {}),
        config: {
          issuer: idp.issuer,
          clientId: CONSOLE_CLIENT_ID,
          apiUrl: '',
          scope: 'openid',
          environment: 'local',
        },
        connectSrc: [emulators.s3Endpoint],
      }),
    );
    await allowConsoleUploads(emulators, consoleOrigins(http.url));
  }
  const state: LocalStackState = {
    pid: process.pid,
    apiUrl: http.url,
    issuer: idp.issuer,
    audience: idp.audience,
    s3Endpoint: emulators.s3Endpoint,
    dynamoEndpoint: emulators.dynamoEndpoint,
    bucket: emulators.bucket,
    tables: emulators.tables,
    keyDir: join(options.dataDir, 'keys'),
    startedAt: new Date().toISOString(),
  };
  // The handler modules read their configuration from the environment, as in Lambda.
  useLocalStack(state);
  process.env[ENV.authClientInstitutions] = JSON.stringify(idp.clientInstitutions);
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env[ENV.serviceName] ??= 'ruling-intake';
  const compose = await import('../../shared/composition/compose.js');
  compose.resetComposition();
  const fns = await import('./functions.js');
  const override = options.overrideDeps ?? ((d: IntakeDeps) => d);
  const { intakeDeps, resetPauseSwitch } = await import('../../shared/composition/compose-intake.js');
  resetPauseSwitch();
  const handler = fns.createIntakeHandler(async () => override(await intakeDeps()));
  const control = compose.intakeControl();
  await compose.keyPorts(); // create the local keys now, not on the first upload

  const queue = new LocalQueue({
    dataDir: options.dataDir,
    retryDelayMs: options.retryDelayMs ?? 1000,
    // Like the event source mapping: disabled while paused, unless a test leaves it enabled (the
    // intake function honours the switch itself).
    ...(options.pollWhilePaused ? {} : { isPaused: () => control.isPaused() }),
    pauseCheckIntervalMs: options.pauseCheckIntervalMs ?? 500,
    handlerTimeoutMs: LIMITS.intakeFunctionTimeoutSeconds * 1000,
  });
  await queue.open();
  // Webhooks: the same delivery handler as on AWS, behind a persistent queue with the webhook
  // queue's redrive (WEBHOOKS.maxReceives); the relay below sends to it.
  const targetsBefore = process.env[ENV.webhookTargets];
  if (options.webhooks) process.env[ENV.webhookTargets] = JSON.stringify(options.webhooks);
  const webhooks = await import('../../shared/composition/compose-webhooks.js');
  webhooks.resetWebhookComposition();
  const webhookInstitutions = new Set(Object.keys(webhooks.webhookTargets())); // checked now: fail at start
  const webhookQueue = new LocalQueue({
    dataDir: options.dataDir,
    name: 'webhooks',
    batchSize: WEBHOOKS.batchSize,
    maxReceives: WEBHOOKS.maxReceives,
    retryDelayMs: options.webhookRetryDelayMs ?? 5000,
    handlerTimeoutMs: WEBHOOKS.functionTimeoutSeconds * 1000,
  });
  await webhookQueue.open();
  const queues = localQueueOperations({ intake: queue, webhooks: webhookQueue });
  // The same compositions as the Lambda functions; the operator's queue is the local one.
  // Locally the clerk sees the pause switch: an upload made while paused shows as waiting.
  api.clerk = fns.createClerkHandler(once(async () => ({ ...(await compose.clerkPorts()), control })));
  api.institution = fns.createInstitutionHandler(once(compose.institutionPorts));
  api.audit = fns.createAuditHandler(once(compose.auditorPorts));
  api.admin = fns.createAdminHandler(
    once(() =>
      compose.adminPorts({
        queue: {
          enqueue: async (key: string, versionId?: string) =>
            void (await queue.send(s3EventBody(emulators.bucket, key, emulators.region, versionId))),
        },
        queues,
      }),
    ),
  );
  // The queue records receipt as SQS would hold the message: an upload made while intake is paused
  // is RECEIVED (waiting), not still AWAITING_UPLOAD as if the file never arrived.
  const statuses = compose.statusStore();
  // Recorded before the message is sent, so the intake never races this write.
  const unsubscribe = emulators.onObjectCreated(async (body) => {
    await recordReceipt(statuses, body).catch(() => undefined);
    await queue.send(body);
  });
  await queue.start(handler);
  await webhookQueue.start(fns.createWebhookHandler(webhooks.webhookDeliveryPorts));
  if (options.publish !== false) await writeState(options.dataDir, state);

  const { auditSealPorts } = await import('../../shared/composition/compose-audit.js');
  const { sealRun } = await import('../../shared/use-cases/audit-seal.js');
  const { verifyAfterSealing } = await import('../../shared/use-cases/audit-verify.js');
  let sealing = Promise.resolve();
  // As the sealer function does: seal, verify what is new (advancing the verified head), and
  // continue a requested full verification for at most a few seconds per tick.
  const seal = () =>
    (sealing = sealing.then(async () => {
      const ports = await auditSealPorts();
      await sealRun(ports, new Date(), {
        // Day, institution code, kind and count only (as the sealer function logs; no person).
        alerts: (alerts) =>
          process.stderr.write(
            `[local sealer] audit alert thresholds crossed: ${alerts.map((a) => `${a.day} ${a.institution} ${a.kind} ${a.count} > ${a.threshold}`).join('; ')}\n`,
          ),
        tilesFailed: (e) =>
          process.stderr.write(
            `[local sealer] the Merkle tiles could not be extended: ${(e as Error).name}\n`,
          ),
      });
      const until = Date.now() + LOCAL_FULL_VERIFICATION_SLICE_MS;
      await verifyAfterSealing(
        ports,
        () => new Date(),
        () => Date.now() < until,
      );
    }));
  const sealEvery = options.sealEveryMs ?? 10_000;
  const sealTimer =
    sealEvery > 0
      ? setInterval(
          () =>
            void seal().catch((e: Error) => process.stderr.write(`[local sealer] ${e.name}: ${e.message}\n`)),
          sealEvery,
        )
      : undefined;

  // The change-feed relay, in-process: on AWS the outbox table's stream invokes the relay function.
  const { relayPorts } = compose;
  const { relayPending } = await import('../../shared/use-cases/change-feed.js');
  let relaying: Promise<{ relayed: number; waiting: number }> = Promise.resolve({ relayed: 0, waiting: 0 });
  const notifier = {
    institutions: webhookInstitutions,
    notify: async (notes: readonly { readonly id: string }[]) => {
      for (const n of notes) await webhookQueue.send(JSON.stringify(n));
    },
  };
  const relayDeps = () => ({ ...relayPorts(), ...(webhookInstitutions.size ? { notifier } : {}) });
  const relay = () => (relaying = relaying.catch(() => undefined).then(() => relayPending(relayDeps())));
  const relayEvery = options.relayEveryMs ?? 1000;
  const relayTimer =
    relayEvery > 0
      ? setInterval(
          () =>
            void relay().catch((e: Error) => process.stderr.write(`[local relay] ${e.name}: ${e.message}\n`)),
          relayEvery,
        )
      : undefined;

  return {
    state,
    idp,
    emulators,
    queue,
    webhookQueue,
    queues,
    seal,
    relay,
    async stop() {
      if (sealTimer) clearInterval(sealTimer);
      if (relayTimer) clearInterval(relayTimer);
      await sealing.catch(() => undefined);
      await relaying.catch(() => undefined);
      unsubscribe();
      await http.stop();
      await queue.stop();
      await webhookQueue.stop();
      await emulators.stop();
      if (options.webhooks) {
        if (targetsBefore === undefined) delete process.env[ENV.webhookTargets];
        else process.env[ENV.webhookTargets] = targetsBefore;
      }
      if (options.publish !== false) await clearState(options.dataDir);
    },
  };
}
