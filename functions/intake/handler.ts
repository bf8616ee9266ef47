/**
 * Intake function: SQS (S3 ObjectCreated notifications) → one `processExtract` per object.
 * A thin adapter: validate the event, call the use case, map the result to a partial batch
 * response (a failed record is retried, then dead-lettered after 3 receives).
 */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { intakeDeps } from '../../shared/adapters/compose.js';
import { logger, metrics } from '../../shared/observability/index.js';
import { objectKeysOf } from '../../shared/domain/s3-event.js';
import { processExtract, type IntakeDeps } from '../../shared/use-cases/process-extract.js';

const processor = new BatchProcessor(EventType.SQS);

/** Processes one SQS record with the given ports; exported for tests and the local stack. */
export async function processRecord(record: SQSRecord, deps: IntakeDeps): Promise<void> {
  for (const object of objectKeysOf(record.body)) {
    const result = await processExtract({ key: object.key, size: object.size, requestId: record.messageId }, deps);
    logger.info('intake processed', { intakeId: result.intakeId, status: result.status, code: result.code });
    metrics.addMetric(`Intake${result.status}`, MetricUnit.Count, 1);
  }
}

export async function rawHandler(event: SQSEvent, context: Context) {
  const deps = await intakeDeps();
  return processPartialResponse(event, (record: SQSRecord) => processRecord(record, deps), processor, {
    context,
    processInParallel: true,
  });
}

export const handler = middy(rawHandler).use(injectLambdaContext(logger)).use(logMetrics(metrics));
