/**
 * Fills the audit table of a local stack fast (BatchWriteItem, 25 items a request, as the writer
 * would store them: index attributes included), for the query tests and the growth bench.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { indexAttributes } from '../../shared/adapters/aws/audit-index.js';
import type { AuditRecord } from '../../shared/ports/index.js';

export const SEED_INSTITUTIONS = ['UGENT', 'KUL', 'VUB', 'UA', 'UHASSELT'] as const;

/**
 * `n` consultations spread evenly over `days` days ending at `end`, by 5 institutions with 3
 * clients each, about `subjects` distinct people (64-hex pseudonyms), one in 11 denied.
 */
export function seedRecords(
  n: number,
  options: { end: Date; days: number; subjects: number; prefix?: string },
): AuditRecord[] {
  const span = options.days * 86_400_000;
  const step = span / n;
  const prefix = options.prefix ?? 'seed';
  return Array.from({ length: n }, (_, i) => {
    const institution = SEED_INSTITUTIONS[i % SEED_INSTITUTIONS.length]!;
    const denied = i % 11 === 0;
    return {
      id: `${prefix}:${String(i).padStart(8, '0')}`,
      at: new Date(options.end.getTime() - span + Math.floor(i * step)).toISOString(),
      actor: { id: `client-${institution}-${i % 3}`, role: 'institution' as const, institution },
      action: 'credit.read',
      subject: subjectOf(i % options.subjects),
      purpose: 'enrolment',
      outcome: denied ? 'DENIED:NOT_VISIBLE' : 'ALLOWED',
      requestId: `req-${i}`,
    };
  });
}

/** The pseudonym of seeded person `k`. */
export const subjectOf = (k: number): string => `${k.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;

/** Writes records as `DynamoAuditLog.append` stores them, 25 at a time, a few requests in parallel. */
export async function seedAudit(
  db: DynamoDBDocumentClient,
  table: string,
  records: readonly AuditRecord[],
): Promise<void> {
  const batches: AuditRecord[][] = [];
  for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25) as AuditRecord[]);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      let pending: Record<string, unknown>[] = batch.map((r) => ({
        PutRequest: { Item: { ...r, ...indexAttributes(r) } },
      }));
      while (pending.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}
