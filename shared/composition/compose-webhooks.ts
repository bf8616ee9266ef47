/**
 * Wiring of the change feed's webhooks (issue 16): the delivery function's ports (the webhook key
 * — KMS when WEBHOOK_KEY_ID is set, `webhook.pem` in the local key folder otherwise — fetch, and
 * the targets from WEBHOOK_TARGETS), the relay's notifier (the webhook queue) and the institution
 * API's view of the public key.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV, KEYS } from '../config/resources.js';
import { SqsChangeNotifier } from '../adapters/aws/sqs-notifier.js';
import { FetchWebhookTransport } from '../adapters/http-webhook-transport.js';
import { JwsWebhookSigner } from '../adapters/jws-receipt-signer.js';
import { LOCAL_WEBHOOK_KEY_FILE } from '../adapters/local/signer.js';
import { parseWebhookTargets, type WebhookTargets } from '../domain/webhook.js';
import type { ChangeNotifier, WebhookSigner } from '../ports/index.js';
import type { RelayDeps } from '../use-cases/change-feed.js';
import type { WebhookDeliveryDeps } from '../use-cases/webhooks.js';
import { relayPorts, signingKey } from './compose.js';

/**
 * The configured targets. On AWS (the CDK checked them at synth) only https; locally (no KMS key
 * id: the local key folder) also http://127.0.0.1, for a receiver on the laptop.
 */
export function webhookTargets(env: NodeJS.ProcessEnv = process.env): WebhookTargets {
  return parseWebhookTargets(env[ENV.webhookTargets], { allowLoopbackHttp: !env[KEYS.webhooks.env] });
}

let signer: WebhookSigner | undefined;

/** The webhook key's signer (built once per process). */
export function webhookSigner(): WebhookSigner {
  const keyId = process.env[KEYS.webhooks.env];
  signer ??= new JwsWebhookSigner(signingKey(keyId, LOCAL_WEBHOOK_KEY_FILE));
  return signer;
}

/** Forgets the signer (the local stack and tests change the key folder). */
export function resetWebhookComposition(): void {
  signer = undefined;
  notifier = undefined;
}

/** The delivery function: sign, POST, to the configured URLs. */
export function webhookDeliveryPorts(): WebhookDeliveryDeps {
  return { signer: webhookSigner(), transport: new FetchWebhookTransport(), targets: webhookTargets() };
}

let notifier: ChangeNotifier | undefined;

/**
 * The relay's ports on AWS: `relayPorts` and, when an institution has a webhook, the webhook
 * queue as notifier (no configuration: no notifications).
 */
export function relayPortsWithWebhooks(): RelayDeps {
  const institutions = new Set(Object.keys(webhookTargets()));
  const queueUrl = process.env[ENV.webhookQueueUrl];
  if (institutions.size && queueUrl)
    notifier ??= new SqsChangeNotifier(new SQSClient({}), queueUrl, institutions);
  return { ...relayPorts(), ...(notifier ? { notifier } : {}) };
}
