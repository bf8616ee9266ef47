/**
 * A DynamoDB document client that counts what each call reads: items evaluated by Query and Scan
 * (`ScannedCount`, what DynamoDB bills), items returned by GetItem and BatchGetItem, and requests.
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
      const out = result.output as {
        ScannedCount?: number;
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      reads.requests++;
      if (context.commandName === 'ScanCommand') reads.scans++;
      if (typeof out.ScannedCount === 'number') reads.items += out.ScannedCount;
      else if (out.Item) reads.items += 1;
      else if (out.Responses) for (const list of Object.values(out.Responses)) reads.items += list.length;
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  return { db, reads };
}
