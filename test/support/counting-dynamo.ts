/**
 * A DynamoDB document client that counts what each call reads: items evaluated by Query and Scan
 * (`ScannedCount`, what DynamoDB bills), keys asked for by GetItem and BatchGetItem (billed found or
 * not), and requests.
 * Tests assert on these counts — never on timings.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ReadCounter {
  items: number;
  requests: number;
  scans: number;
  reset(): void;
}

export function countingDocumentClient(endpoint: string): { db: DynamoDBDocumentClient; reads: ReadCounter } {
  const base = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const db = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const reads: ReadCounter = {
    items: 0,
    requests: 0,
    scans: 0,
    reset() {
      this.items = 0;
      this.requests = 0;
      this.scans = 0;
    },
  };
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const out = result.output as { ScannedCount?: number };
      reads.requests++;
      if (context.commandName === 'ScanCommand') reads.scans++;
      const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> };
      // As DynamoDB bills reads: every item a Query or Scan evaluated, every key a Get asked for
      // (found or not).
      if (typeof out.ScannedCount === 'number') reads.items += out.ScannedCount;
      else if (context.commandName === 'GetItemCommand' || context.commandName === 'GetCommand')
        reads.items += 1;
      else if (context.commandName === 'BatchGetItemCommand' || context.commandName === 'BatchGetCommand')
        for (const t of Object.values(input.RequestItems ?? {})) reads.items += t.Keys?.length ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  return { db, reads };
}
