/**
 * Change-feed relay: the changes table's stream (new outbox entries only, by the event source's
 * filter) → `relayChange` per record. A failed record is reported alone (partial batch response);
 * the event source retries it and, after its retries, sends its description to the dead-letter
 * queue. Relaying is idempotent, so a record delivered again writes nothing new.
 */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { relayPortsWithWebhooks } from '../../shared/composition/compose-webhooks.js';
import { OUTBOX_PREFIX } from '../../shared/adapters/aws/dynamodb-feed.js';
import { logger } from '../../shared/observability/index.js';
import { relayChange, type RelayDeps } from '../../shared/use-cases/change-feed.js';

/**
 * Relays the outbox entry one stream record names. The stream carries keys only (no pseudonym,
 * no masked number in the stream): the entry is read back from the table.
 */
export async function relayRecord(record: DynamoDBRecord, deps: RelayDeps): Promise<void> {
  const pk = record.dynamodb?.Keys?.pk?.S ?? '';
  if (!pk.startsWith(OUTBOX_PREFIX)) return;
  const outboxId = pk.slice(OUTBOX_PREFIX.length);
  const entry = await deps.feed.getOutbox(outboxId);
  if (!entry) return; // expired meanwhile: nothing left to relay
  const result = await relayChange(deps, entry);
  // The transaction wrote the entry with its balance change: 'not-applied' would be a bug. Fail
  // the record (retried, then dead-lettered) rather than drop the change.
  if (result !== 'relayed') throw new Error(`change ${outboxId} not applied in the ledger`);
  // Ids only: the outbox id is a hash, the ruling number no personal data.
  logger.info('change relayed', { outboxId, rulingNumber: entry.rulingNumber });
}

export function createRelayHandler(getDeps: () => RelayDeps) {
  const raw = async (event: DynamoDBStreamEvent, context: Context) => {
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    const deps = getDeps();
    return processPartialResponse(event, (r: DynamoDBRecord) => relayRecord(r, deps), processor, { context });
  };
  return middy(raw).use(injectLambdaContext(logger));
}

export const handler = createRelayHandler(relayPortsWithWebhooks);
