import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './errors.js';
import type { AuditDayCount, AuditStatsStore } from '../../ports/index.js';

const WATERMARK = 'audit-stats';
const dayKey = (day: string) => `audit-day#${day}`;
const COUNT = /^(allowed|denied|declared|nonDho)#(.+)$/;

/**
 * The audit log's per-day counters, as items of the control table: `audit-day#<day>` holds
 * `allowed#<institution>`, `denied#<institution>`, `declared#<institution>` (self-declared
 * enrolments) and `nonDho#<institution>` (reads of students visible only by declaration) numbers and the last checkpoint sequence
 * counted into it (`sequence`), so a checkpoint counted twice (a retried sealer) adds nothing the
 * second time; `audit-stats` holds the last checkpoint counted, its cutoff and the log's first day.
 */
export class DynamoAuditStats implements AuditStatsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async watermark(): Promise<{ sequence: number; cutoff: string; firstDay: string } | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: WATERMARK }, ConsistentRead: true }),
    );
    const item = r.Item;
    if (!item || typeof item.sequence !== 'number') return undefined;
    return { sequence: item.sequence, cutoff: String(item.cutoff), firstDay: String(item.firstDay) };
  }

  async add(sequence: number, cutoff: string, counts: readonly AuditDayCount[]): Promise<void> {
    const byDay = new Map<string, AuditDayCount[]>();
    for (const c of counts) byDay.set(c.day, [...(byDay.get(c.day) ?? []), c]);
    for (const [day, list] of byDay) {
      const names: Record<string, string> = { '#seq': 'sequence' };
      const values: Record<string, unknown> = { ':seq': sequence };
      const adds: string[] = [];
      list.forEach((c, i) => {
        names[`#a${i}`] = `allowed#${c.institution}`;
        names[`#d${i}`] = `denied#${c.institution}`;
        values[`:a${i}`] = c.allowed;
        values[`:d${i}`] = c.denied;
        adds.push(`#a${i} :a${i}`, `#d${i} :d${i}`);
        if (c.declared) {
          names[`#e${i}`] = `declared#${c.institution}`;
          values[`:e${i}`] = c.declared;
          adds.push(`#e${i} :e${i}`);
        }
        if (c.nonDho) {
          names[`#n${i}`] = `nonDho#${c.institution}`;
          values[`:n${i}`] = c.nonDho;
          adds.push(`#n${i} :n${i}`);
        }
      });
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: dayKey(day) },
            UpdateExpression: `ADD ${adds.join(', ')} SET #seq = :seq`,
            ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :seq',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e; // this checkpoint was already counted into that day
      }
    }
    const first = counts.reduce((min, c) => (c.day < min ? c.day : min), cutoff.slice(0, 10));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: WATERMARK },
          UpdateExpression: 'SET #seq = :seq, #cutoff = :cutoff, #first = if_not_exists(#first, :first)',
          ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :seq',
          ExpressionAttributeNames: { '#seq': 'sequence', '#cutoff': 'cutoff', '#first': 'firstDay' },
          ExpressionAttributeValues: { ':seq': sequence, ':cutoff': cutoff, ':first': first },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async days(days: readonly string[]): Promise<AuditDayCount[]> {
    const out: AuditDayCount[] = [];
    for (let i = 0; i < days.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = days
        .slice(i, i + 100)
        .map((d) => ({ pk: dayKey(d) }));
      for (let attempt = 0; keys?.length && attempt < 8; attempt++) {
        const r: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of r.Responses?.[this.table] ?? []) {
          const day = String(item.pk).slice('audit-day#'.length);
          type Count = { allowed: number; denied: number; declared?: number; nonDho?: number };
          const per = new Map<string, Count>();
          for (const [name, value] of Object.entries(item)) {
            const m = COUNT.exec(name);
            if (!m || typeof value !== 'number') continue;
            const c: Count = per.get(m[2]!) ?? { allowed: 0, denied: 0 };
            c[m[1] as keyof Count] = value;
            per.set(m[2]!, c);
          }
          for (const [institution, c] of per)
            if (c.allowed + c.denied > 0) out.push({ day, institution, ...c });
        }
        keys = r.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return out.sort((a, b) =>
      a.day < b.day ? -1 : a.day > b.day ? 1 : a.institution < b.institution ? -1 : 1,
    );
  }
}
