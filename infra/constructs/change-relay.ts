/**
 * The change-feed relay (stateless): the changes table's stream (keys only) → Lambda, which reads
 * each new outbox entry and puts one item per institution that sees the student into that
 * institution's feed (functions/change-relay/handler.ts, `relayChange`).
 *
 * - The event source filters to inserts of outbox items (`pk` starting `OUT#`): the feed items
 *   the relay itself writes never invoke it again.
 * - Partial batch responses (Powertools `BatchProcessor`), bisect on error, a bounded number of
 *   retries; a record still failing after them is described in the async-failure queue (the
 *   on-failure destination, alarmed like the other functions' failures) and stays in the
 *   outbox's pending index until an operator relays it.
 * - Rights: Query on the ledger (the student file: enrolments and ruling lines say who sees the
 *   student); on the changes table GetItem and UpdateItem of outbox items (`OUT#…`: read the
 *   entry, clear its pending mark) and GetItem, PutItem and UpdateItem in the feeds (`FEED#…`:
 *   positions, placement marks, the last-position hint), by `dynamodb:LeadingKeys`;
 *   the stream read rights the event source needs; SendMessage to the failure queue and to the
 *   webhook queue (a notification per new entry of an institution that has a webhook).
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bundling.js';
import { AppFunction } from './app-function.js';
import { CHANGE_KEYS, ENV } from '../../shared/config/resources.js';
import type { WebhookTargets } from '../../shared/domain/webhook.js';

export const CHANGE_RELAY_ENTRY = join(PROJECT_ROOT, 'functions/change-relay/handler.ts');

/** Retries of a failing stream batch (bisected) before its description goes to the failure queue. */
export const CHANGE_RELAY_RETRIES = 5;

export interface ChangeRelayProps {
  readonly environment: string;
  readonly ledgerTable: dynamodb.ITable;
  /** The changes table; it must have a stream. */
  readonly changesTable: dynamodb.ITable;
  readonly dataKey: kms.IKey;
  readonly asyncFailures: sqs.IQueue;
  /** The webhook queue and who has a webhook (issue 16): a notification per new entry of theirs. */
  readonly webhooks: { readonly queue: sqs.IQueue; readonly targets: WebhookTargets };
  readonly logRetention?: logs.RetentionDays;
}

/** An on-failure destination that grants nothing (the role gets exactly SendMessage below). */
class FailureQueue implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}
  bind(): lambda.DlqDestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

export class ChangeRelay extends AppFunction {
  readonly mapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: ChangeRelayProps) {
    super(scope, id, {
      environment: props.environment,
      name: 'change-relay',
      entry: CHANGE_RELAY_ENTRY,
      description: 'Relays ledger changes to the institutions’ feeds',
      logKey: props.dataKey,
      memorySize: 512,
      timeout: Duration.seconds(60),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    const streamArn = props.changesTable.tableStreamArn;
    if (!streamArn) throw new Error('the changes table has no stream');

    this.mapping = new lambda.EventSourceMapping(this, 'Stream', {
      target: this.function,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: CHANGE_RELAY_RETRIES,
      maxRecordAge: Duration.days(1),
      onFailure: new FailureQueue(props.asyncFailures),
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual('INSERT'),
          dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(CHANGE_KEYS.outboxPrefix) } } },
        }),
      ],
    });

    this.allowStream(streamArn);
    this.allowFailureQueue(props.asyncFailures, props.dataKey);
    this.bindTable('ledger', props.ledgerTable, ['Query'])
      .bindTableItems(
        'changes',
        props.changesTable,
        ['GetItem', 'UpdateItem'],
        [`${CHANGE_KEYS.outboxPrefix}*`],
        'prefix',
      )
      .bindTableItems(
        'changes',
        props.changesTable,
        ['GetItem', 'PutItem', 'UpdateItem'],
        [`${CHANGE_KEYS.feedPrefix}*`],
        'prefix',
      )
      // Webhook notifications: SendMessage on that queue only (SSE-KMS: the data key via SQS,
      // granted above with the failure queue). The targets tell it which institutions have one.
      .bindQueue(ENV.webhookQueueUrl, props.webhooks.queue, ['SendMessage'])
      .setEnv(ENV.webhookTargets, JSON.stringify(props.webhooks.targets));
  }
}
