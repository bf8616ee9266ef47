/**
 * Webhook delivery: the webhook queue → one signed POST per notification (`deliverNotification`).
 * A failed record is reported alone (partial batch response): SQS makes it visible again after
 * the visibility timeout and, after `WEBHOOKS.maxReceives` receives, moves it to the dead-letter
 * queue. Logs institution, id and HTTP status only — no URL, no body.
 */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { webhookDeliveryPorts } from '../../shared/composition/compose-webhooks.js';
import { parseNotification } from '../../shared/domain/webhook.js';
import { logger } from '../../shared/observability/index.js';
import {
  deliverNotification,
  WebhookDeliveryError,
  type WebhookDeliveryDeps,
} from '../../shared/use-cases/webhooks.js';

export async function deliverRecord(record: SQSRecord, deps: WebhookDeliveryDeps): Promise<void> {
  const note = parseNotification(record.body);
  // Only the relay sends to this queue: a body that is no notification is a bug — keep it (DLQ).
  if (!note) throw new Error(`message ${record.messageId} is not a change notification`);
  try {
    const r = await deliverNotification(deps, note, new Date());
    logger.info('webhook', { institution: note.institution, id: note.id, ...r });
  } catch (e) {
    const status = e instanceof WebhookDeliveryError ? (e.status ?? 'no answer') : 'not sent';
    logger.warn('webhook not delivered', { institution: note.institution, id: note.id, status });
    throw e;
  }
}

export function createWebhookHandler(getDeps: () => WebhookDeliveryDeps) {
  const raw = async (event: SQSEvent, context: Context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const deps = getDeps();
    return processPartialResponse(event, (r: SQSRecord) => deliverRecord(r, deps), processor, {
      context,
      processInParallel: true,
    });
  };
  return middy(raw).use(injectLambdaContext(logger));
}

export const handler = createWebhookHandler(webhookDeliveryPorts);
