import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './errors.js';
import { AUDIT_VERIFICATION_KEYS } from '../../config/resources.js';
import type {
  FullVerificationProgress,
  FullVerificationStore,
  SignedFullVerification,
  VerifiedHead,
  VerifiedHeadStore,
} from '../../ports/audit-seal.js';

/** The control-table keys of the audit verification's items. */
export const VERIFICATION_KEYS = AUDIT_VERIFICATION_KEYS;

const PROGRESS_FIELDS = [
  'status',
  'requestedAt',
  'startedAt',
  'nextSequence',
  'untilSequence',
  'anchor',
  'checkedCheckpoints',
  'checkedRecords',
  'expired',
  'problemCount',
  'problems',
  'nextSlice',
  'strayBefore',
  'sweptRecords',
] as const;

/**
 * The verified head, the full verification's progress and its signed result, as items of the
 * control table, written with UpdateItem only (conditional where two writers could race).
 */
export class DynamoAuditVerification implements VerifiedHeadStore, FullVerificationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async item(pk: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }),
    );
    return r.Item;
  }

  async get(): Promise<VerifiedHead | undefined> {
    const i = await this.item(VERIFICATION_KEYS.head);
    if (!i || typeof i.sequence !== 'number') return undefined;
    return {
      sequence: i.sequence,
      size: Number(i.size),
      root: String(i.root),
      cutoff: String(i.cutoff),
      checkpointHash: String(i.checkpointHash),
      signature: String(i.signature),
      verifiedAt: String(i.verifiedAt),
    };
  }

  async advance(head: VerifiedHead, fromSequence: number | null): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: VERIFICATION_KEYS.head },
          UpdateExpression:
            'SET #seq = :seq, #size = :size, #root = :root, #cutoff = :cutoff, #hash = :hash, #sig = :sig, #at = :at',
          ConditionExpression:
            fromSequence === null ? 'attribute_not_exists(#seq)' : '#seq = :from AND :seq > :from',
          ExpressionAttributeNames: {
            '#seq': 'sequence',
            '#size': 'size',
            '#root': 'root',
            '#cutoff': 'cutoff',
            '#hash': 'checkpointHash',
            '#sig': 'signature',
            '#at': 'verifiedAt',
          },
          ExpressionAttributeValues: {
            ':seq': head.sequence,
            ':size': head.size,
            ':root': head.root,
            ':cutoff': head.cutoff,
            ':hash': head.checkpointHash,
            ':sig': head.signature,
            ':at': head.verifiedAt,
            ...(fromSequence === null ? {} : { ':from': fromSequence }),
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async progress(): Promise<FullVerificationProgress | undefined> {
    const i = await this.item(VERIFICATION_KEYS.full);
    if (!i || (i.status !== 'requested' && i.status !== 'running')) return undefined;
    return {
      status: i.status,
      requestedAt: String(i.requestedAt),
      ...(typeof i.startedAt === 'string' ? { startedAt: i.startedAt } : {}),
      nextSequence: Number(i.nextSequence ?? 1),
      ...(typeof i.untilSequence === 'number' ? { untilSequence: i.untilSequence } : {}),
      ...(typeof i.anchor === 'string' ? { anchor: i.anchor } : {}),
      checkedCheckpoints: Number(i.checkedCheckpoints ?? 0),
      checkedRecords: Number(i.checkedRecords ?? 0),
      expired: Number(i.expired ?? 0),
      problemCount: Number(i.problemCount ?? 0),
      problems: typeof i.problems === 'string' ? i.problems : '[]',
      ...(typeof i.nextSlice === 'number' ? { nextSlice: i.nextSlice } : {}),
      ...(typeof i.strayBefore === 'string' ? { strayBefore: i.strayBefore } : {}),
      ...(typeof i.sweptRecords === 'number' ? { sweptRecords: i.sweptRecords } : {}),
    };
  }

  async request(at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: VERIFICATION_KEYS.full },
          UpdateExpression:
            'SET #status = :requested, #requestedAt = :at, #next = :one, #cc = :zero, #cr = :zero, #ex = :zero, #pc = :zero, #p = :none REMOVE #startedAt, #until, #anchor, #slice, #stray, #swept',
          ConditionExpression: 'attribute_not_exists(#status)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#requestedAt': 'requestedAt',
            '#next': 'nextSequence',
            '#cc': 'checkedCheckpoints',
            '#cr': 'checkedRecords',
            '#ex': 'expired',
            '#pc': 'problemCount',
            '#p': 'problems',
            '#startedAt': 'startedAt',
            '#until': 'untilSequence',
            '#anchor': 'anchor',
            '#slice': 'nextSlice',
            '#stray': 'strayBefore',
            '#swept': 'sweptRecords',
          },
          ExpressionAttributeValues: {
            ':requested': 'requested',
            ':at': at,
            ':one': 1,
            ':zero': 0,
            ':none': '[]',
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async save(progress: FullVerificationProgress): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    PROGRESS_FIELDS.forEach((f, i) => {
      const v = progress[f];
      if (v === undefined) return;
      names[`#f${i}`] = f;
      values[`:v${i}`] = v;
      sets.push(`#f${i} = :v${i}`);
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: VERIFICATION_KEYS.full },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async finish(result: SignedFullVerification): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: VERIFICATION_KEYS.result },
        UpdateExpression: 'SET #result = :result, #sig = :sig',
        ExpressionAttributeNames: { '#result': 'result', '#sig': 'signature' },
        ExpressionAttributeValues: { ':result': JSON.stringify(result.result), ':sig': result.signature },
      }),
    );
    // End the job: a new request may start another.
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: VERIFICATION_KEYS.full },
        UpdateExpression: `REMOVE ${PROGRESS_FIELDS.map((_, i) => `#f${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(PROGRESS_FIELDS.map((f, i) => [`#f${i}`, f])),
      }),
    );
  }

  async lastResult(): Promise<SignedFullVerification | undefined> {
    const i = await this.item(VERIFICATION_KEYS.result);
    if (!i || typeof i.result !== 'string' || typeof i.signature !== 'string') return undefined;
    return { result: JSON.parse(i.result) as unknown, signature: i.signature };
  }
}
