/** Intake function: SQS (S3 ObjectCreated) → one `processExtract` per object; a failed record is retried. */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { objectKeysOf } from '../../shared/adapters/aws/s3-event.js';
import { ENVIRONMENT_DIMENSION, UNKNOWN_UPLOADS_METRIC } from '../../shared/config/ops-metrics.js';
import { ENV } from '../../shared/config/resources.js';
import { logger, metrics } from '../../shared/observability/index.js';
import { processExtract, type IntakeDeps } from '../../shared/use-cases/process-extract.js';

/** Processes one SQS record with the given ports. */
export async function processRecord(record: SQSRecord, deps: IntakeDeps): Promise<void> {
  for (const object of objectKeysOf(record.body)) {
    const result = await processExtract({ ...object, requestId: record.messageId }, deps);
    logger.info('intake processed', { intakeId: result.intakeId, status: result.status, code: result.code });
    metrics.addMetric(`Intake${result.status}`, MetricUnit.Count, 1);
    // An object no upload of the API accounts for: someone wrote to the bucket past the API.
    // With the environment: the alarm of one environment never counts another's (one account).
    if (result.code === 'UNKNOWN_UPLOAD') {
      const unknown = metrics.singleMetric();
      unknown.addDimension(ENVIRONMENT_DIMENSION, process.env[ENV.environment] ?? 'unknown');
      unknown.addMetric(UNKNOWN_UPLOADS_METRIC, MetricUnit.Count, 1);
    }
  }
}

/** The handler over any source of ports: Lambda uses the environment, the local stack and tests may add hooks. */
export function createHandler(getDeps: () => Promise<IntakeDeps>) {
  const raw = async (event: SQSEvent, context: Context) => {
    // One processor per invocation: the local stack runs two batches at once in one process.
    const processor = new BatchProcessor(EventType.SQS);
    const deps = await getDeps();
    return processPartialResponse(event, (record: SQSRecord) => processRecord(record, deps), processor, {
      context,
      processInParallel: true,
    });
  };
  return middy(raw).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

export const handler = createHandler(intakeDeps);
