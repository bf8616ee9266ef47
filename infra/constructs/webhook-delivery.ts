/**
 * Webhook delivery of the change feed (stateless, issue 16): the webhook queue (stateful, filled by
 * the relay) → Lambda, which signs each notification with the webhook key (KMS `Sign`, ES256) and
 * POSTs it to the institution's URL (functions/webhook-deliver/handler.ts, `deliverNotification`).
 *
 * - Partial batch responses: a notification whose receiver answered other than 2xx or not within
 *   5 s is retried after the queue's visibility timeout and, after `WEBHOOKS.maxReceives` receives,
 *   moved to the webhook dead-letter queue (alarmed: `webhook-dead-letters`).
 * - Deployed whether or not any institution has a webhook (an idle queue and function cost
 *   nothing); `targets` (the context `webhooks`) becomes `WEBHOOK_TARGETS`.
 * - Rights: the event source's consumption of the webhook queue (Receive/Delete/
 *   ChangeMessageVisibility/GetQueueAttributes, Decrypt of the data key through SQS);
 *   `kms:Sign` and `kms:GetPublicKey` on the webhook key — its key policy denies Sign to every
 *   other principal. No table, no bucket: the notification is all it knows.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { ENV, WEBHOOKS } from '../../shared/config/resources.js';
import type { WebhookTargets } from '../../shared/domain/webhook.js';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction } from './app-function.js';

export const WEBHOOK_DELIVER_ENTRY = join(PROJECT_ROOT, 'functions/webhook-deliver/handler.ts');

export interface WebhookDeliveryProps {
  readonly environment: string;
  readonly queue: sqs.IQueue;
  readonly webhookKey: kms.IKey;
  readonly dataKey: kms.IKey;
  /** Institution code → https URL (checked at synth, infra/config.ts). */
  readonly targets: WebhookTargets;
  readonly logRetention?: logs.RetentionDays;
}

export class WebhookDelivery extends AppFunction {
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id, {
      environment: props.environment,
      name: 'webhook-deliver',
      entry: WEBHOOK_DELIVER_ENTRY,
      description: 'Delivers signed change-feed notifications to the institutions’ webhooks',
      logKey: props.dataKey,
      memorySize: 256,
      timeout: Duration.seconds(WEBHOOKS.functionTimeoutSeconds),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.eventSource = new SqsEventSource(props.queue, {
      batchSize: WEBHOOKS.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: WEBHOOKS.maxConcurrency,
    });
    this.function.addEventSource(this.eventSource);
    this.bindKey('webhooks', props.webhookKey, ['Sign', 'GetPublicKey']);
    this.setEnv(ENV.webhookTargets, JSON.stringify(props.targets));
  }
}
