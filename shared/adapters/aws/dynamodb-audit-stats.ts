import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './errors.js';
import type { AuditDayCount, AuditStatsStore } from '../../ports/index.js';
import {
  ALL_SCOPE,
  countPosition,
  cumulativeSteps,
  nextDay,
  type CumulativeStep,
} from '../../domain/audit-stats.js';
import { AUDIT_TOTAL_KEY_PREFIXES, TABLES } from '../../config/resources.js';

const WATERMARK = 'audit-stats';
const dayKey = (day: string) => `audit-day#${day}`;
const COUNT = /^(allowed|denied|declared|nonDho)#(.+)$/;
/** A scope's running total: `total`, `position` (the last step taken), `countedUpTo`. */
const totalKey = (scope: string) => `${AUDIT_TOTAL_KEY_PREFIXES.total}${scope}`;
/** A scope's day: `cumBefore` (its running total before the day's first record), in the index. */
const cumDayKey = (scope: string, day: string) => `${AUDIT_TOTAL_KEY_PREFIXES.cumulative}#${scope}#${day}`;
/** The one-off backfill's progress (a log counted before the cumulative counters existed). */
const BACKFILL = `${AUDIT_TOTAL_KEY_PREFIXES.cumulative}-backfill`;
const CUMULATIVE_INDEX = TABLES.control.globalIndexes[0].name;

/**
 * The audit log's per-day counters, as items of the control table: `audit-day#<day>` holds
 * `allowed#<institution>`, `denied#<institution>`, `declared#<institution>` (self-declared
 * enrolments) and `nonDho#<institution>` (reads of students visible only by declaration) numbers and the last checkpoint sequence
 * counted into it (`sequence`), so a checkpoint counted twice (a retried sealer) adds nothing the
 * second time; `audit-stats` holds the last checkpoint counted, its cutoff and the log's first day.
 *
 * The cumulative counters (`cumulativeSteps`, shared/domain/audit-stats.ts): `audit-total#<scope>`
 * holds a scope's running total and the position of the last step added to it (a step whose
 * position is not after it is skipped: a retried or concurrent sealer adds nothing), and
 * `audit-cum#<scope>#<day>` the running total before the day's first record (written once, before
 * the total moves past it, so a crash between the two leaves nothing wrong), found through the sparse
 * index `byCumulativeDay`. A log counted before these counters existed is backfilled from the
 * per-day items (`backfillCumulative`); `audit-stats.cumulative` says when they cover the log.
 */
export class DynamoAuditStats implements AuditStatsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async watermark(): Promise<
    { sequence: number; cutoff: string; firstDay: string; cumulative: boolean } | undefined
  > {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: WATERMARK }, ConsistentRead: true }),
    );
    const item = r.Item;
    if (!item || typeof item.sequence !== 'number') return undefined;
    return {
      sequence: item.sequence,
      cutoff: String(item.cutoff),
      firstDay: String(item.firstDay),
      cumulative: item.cumulative === true,
    };
  }

  /** One step of the cumulative counters (see the class comment); idempotent by position. */
  private async step(step: CumulativeStep): Promise<void> {
    const current = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: totalKey(step.scope) }, ConsistentRead: true }),
    );
    const item = current.Item;
    if (item && typeof item.position === 'string' && item.position >= step.position) return; // taken
    const before = typeof item?.total === 'number' ? item.total : 0;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: cumDayKey(step.scope, step.day) },
        UpdateExpression: 'SET #scope = :scope, #day = :day, #before = if_not_exists(#before, :before)',
        ExpressionAttributeNames: { '#scope': 'cumScope', '#day': 'cumDay', '#before': 'cumBefore' },
        ExpressionAttributeValues: { ':scope': step.scope, ':day': step.day, ':before': before },
      }),
    );
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: totalKey(step.scope) },
          UpdateExpression: 'ADD #total :n SET #pos = :pos, #upTo = :upTo',
          ConditionExpression: 'attribute_not_exists(#pos) OR #pos < :pos',
          ExpressionAttributeNames: { '#total': 'total', '#pos': 'position', '#upTo': 'countedUpTo' },
          ExpressionAttributeValues: { ':n': step.count, ':pos': step.position, ':upTo': step.countedUpTo },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // another sealer took this step meanwhile
    }
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
    // The cumulative counters, day by day in order; scopes are independent of each other.
    const steps = cumulativeSteps(sequence, cutoff, counts);
    const byScope = new Map<string, CumulativeStep[]>();
    for (const s of steps) byScope.set(s.scope, [...(byScope.get(s.scope) ?? []), s]);
    await Promise.all(
      [...byScope.values()].map(async (list) => {
        for (const s of list) await this.step(s);
      }),
    );
    const first = counts.reduce((min, c) => (c.day < min ? c.day : min), cutoff.slice(0, 10));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: WATERMARK },
          // Counting from the first checkpoint, the cumulative counters cover the whole log.
          UpdateExpression: `SET #seq = :seq, #cutoff = :cutoff, #first = if_not_exists(#first, :first)${
            sequence === 1 ? ', #cum = :true' : ''
          }`,
          ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :seq',
          ExpressionAttributeNames: {
            '#seq': 'sequence',
            '#cutoff': 'cutoff',
            '#first': 'firstDay',
            ...(sequence === 1 ? { '#cum': 'cumulative' } : {}),
          },
          ExpressionAttributeValues: {
            ':seq': sequence,
            ':cutoff': cutoff,
            ':first': first,
            ...(sequence === 1 ? { ':true': true } : {}),
          },
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

  async cumulative(
    scope: string,
  ): Promise<{ running: number; countedUpTo: string; lastDay?: string } | undefined> {
    const r = await this.db.send(
      new BatchGetCommand({
        RequestItems: {
          [this.table]: { Keys: [{ pk: WATERMARK }, { pk: totalKey(scope) }], ConsistentRead: true },
        },
      }),
    );
    // Two small items: DynamoDB returns them at once unless throttled (then no total, not a wrong one).
    const items = r.Responses?.[this.table] ?? [];
    const watermark = items.find((i) => i.pk === WATERMARK);
    const total = items.find((i) => i.pk === totalKey(scope));
    if (!watermark || watermark.cumulative !== true || typeof watermark.cutoff !== 'string') return undefined;
    if (r.UnprocessedKeys?.[this.table]?.Keys?.length) return undefined;
    // Both are true: every checkpoint up to the watermark is counted in every scope, and the
    // scope's last step counted its records up to its countedUpTo.
    const upTo =
      typeof total?.countedUpTo === 'string' && total.countedUpTo > watermark.cutoff
        ? total.countedUpTo
        : watermark.cutoff;
    const position = typeof total?.position === 'string' ? total.position : '';
    return {
      running: typeof total?.total === 'number' ? total.total : 0,
      countedUpTo: upTo,
      // The position is `<sequence>#<day>`: its day is the scope's newest day (checkpoints are in time order).
      ...(position.includes('#') ? { lastDay: position.slice(position.indexOf('#') + 1) } : {}),
    };
  }

  async cumulativeBefore(scope: string, day: string): Promise<number | undefined> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: CUMULATIVE_INDEX,
        KeyConditionExpression: '#scope = :scope AND #day >= :day',
        ExpressionAttributeNames: { '#scope': 'cumScope', '#day': 'cumDay' },
        ExpressionAttributeValues: { ':scope': scope, ':day': day },
        Limit: 1,
      }),
    );
    const item = r.Items?.[0];
    return typeof item?.cumBefore === 'number' ? item.cumBefore : undefined;
  }

  async backfillCumulative(throughDay: string, maxDays: number): Promise<boolean> {
    const watermark = await this.watermark();
    if (!watermark) return true; // nothing counted: the first checkpoint counted starts them
    if (watermark.cumulative) return true;
    type Scope = { total: number; position: string };
    const got = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: BACKFILL }, ConsistentRead: true }),
    );
    const progress = (got.Item as
      { nextDay: string; throughDay: string; scopes: Record<string, Scope> } | undefined) ?? {
      nextDay: watermark.firstDay,
      throughDay,
      scopes: {},
    };
    const scopes = progress.scopes;
    const days: string[] = [];
    for (let d = progress.nextDay; d <= progress.throughDay && days.length < maxDays; d = nextDay(d))
      days.push(d);
    // The per-day items as they are, with the last sequence counted into each: a checkpoint whose
    // counting was cut short (some days added, the watermark not moved) is then known as counted
    // up to its last day added, and counting it again adds only the days it had not reached.
    const rows = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < days.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = days
        .slice(i, i + 100)
        .map((d) => ({ pk: dayKey(d) }));
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt >= 8) throw new Error('the per-day counters could not be read (throttled)');
        const r: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of r.Responses?.[this.table] ?? []) rows.set(String(item.pk), item);
        keys = r.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    const puts: Record<string, unknown>[] = [];
    for (const day of days) {
      const item = rows.get(dayKey(day));
      if (!item || typeof item.sequence !== 'number') continue;
      const per = new Map<string, number>();
      for (const [name, value] of Object.entries(item)) {
        const m = /^(allowed|denied)#(.+)$/.exec(name);
        if (m && typeof value === 'number') per.set(m[2]!, (per.get(m[2]!) ?? 0) + value);
      }
      let all = 0;
      for (const n of per.values()) all += n;
      per.set(ALL_SCOPE, all);
      const position = countPosition(item.sequence, day);
      for (const [scope, n] of per) {
        if (n <= 0) continue;
        const s = (scopes[scope] ??= { total: 0, position: '' });
        puts.push({ pk: cumDayKey(scope, day), cumScope: scope, cumDay: day, cumBefore: s.total });
        s.total += n;
        if (position > s.position) s.position = position;
      }
    }
    for (let i = 0; i < puts.length; i += 25) {
      let pending: unknown[] = puts.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt >= 8) throw new Error('the cumulative counters could not be written (throttled)');
        const out = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }),
        );
        pending = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
    const next = days.length ? nextDay(days[days.length - 1]!) : progress.nextDay;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: BACKFILL, nextDay: next, throughDay: progress.throughDay, scopes },
      }),
    );
    if (next <= progress.throughDay) return false;
    // Done: the running totals, then the flag that lets queries use them.
    await Promise.all(
      Object.entries(scopes).map(([scope, s]) =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: totalKey(scope),
              total: s.total,
              position: s.position,
              countedUpTo: watermark.cutoff,
            },
          }),
        ),
      ),
    );
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: WATERMARK },
        UpdateExpression: 'SET #cum = :true',
        ExpressionAttributeNames: { '#cum': 'cumulative' },
        ExpressionAttributeValues: { ':true': true },
      }),
    );
    return true;
  }
}
