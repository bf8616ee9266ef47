import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  checkpointName,
  parseCheckpointFile,
  sequenceOfName,
  serializeCheckpoint,
  type CheckpointBody,
  type SignedCheckpoint,
} from '../../domain/audit-chain.js';
import {
  DAY_BUNDLE_FOLDER,
  dayBundleName,
  lastOfDayBundleName,
  parseDayBundle,
  serializeDayBundle,
  type DayBundle,
} from '../../domain/audit-days.js';
import { CheckpointExistsError, type CheckpointStore } from '../../ports/audit-seal.js';

export interface S3CheckpointOptions {
  /** Key prefix, e.g. `checkpoints/`. */
  readonly prefix: string;
}

const status = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
const named = (e: unknown, ...names: string[]) => names.includes((e as { name?: string })?.name ?? '');

/**
 * Checkpoints as objects `checkpoints/<12-digit sequence>.json` in a bucket with Object Lock:
 * each is written once (`If-None-Match: *`, so a second sealer's put of the same sequence fails)
 * and takes the bucket's default Object Lock retention (COMPLIANCE: nobody, root included, can
 * shorten or remove it). The retention is the bucket's alone — 20 years, or the shorter period a
 * test environment sets (infra/constructs/audit-checkpoints.ts) — so the sealer needs no right to
 * set retention and never outlives a test bucket's setting with a 20-year lock of its own.
 */
export class S3CheckpointStore implements CheckpointStore {
  /** Highest sequence seen by this process (warm Lambda: finding the latest costs one LIST). */
  private hint = 0;
  /** Last sequence of the newest day bundle seen by this process. */
  private dayHint = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3CheckpointOptions,
  ) {}

  private key(sequence: number): string {
    return `${this.options.prefix}${checkpointName(sequence)}`;
  }

  private sequenceOf(key: string): number | undefined {
    return key.startsWith(this.options.prefix)
      ? sequenceOfName(key.slice(this.options.prefix.length))
      : undefined;
  }

  async put(sequence: number, body: CheckpointBody, signature: Uint8Array): Promise<void> {
    await this.putOnce(this.key(sequence), serializeCheckpoint(body, signature), sequence);
    this.hint = Math.max(this.hint, sequence);
  }

  /** A day bundle, under `checkpoints/-daily/`: the checkpoints' grants and Object Lock cover it. */
  async putDay(bundle: DayBundle): Promise<void> {
    await this.putOnce(this.dayKey(bundle.last), serializeDayBundle(bundle), bundle.last);
    this.dayHint = Math.max(this.dayHint, bundle.last);
  }

  private dayKey(last: number): string {
    return `${this.options.prefix}${dayBundleName(last)}`;
  }

  /** The bundles' last sequences after `after` (0: all), ascending, at most `max`. */
  private dayEnds(after: number, max?: number): Promise<number[]> {
    return this.numbered(
      `${this.options.prefix}${DAY_BUNDLE_FOLDER}`,
      after,
      (last) => this.dayKey(last),
      (key) => lastOfDayBundleName(key.slice(this.options.prefix.length)),
      max,
    );
  }

  /**
   * The numbers (`parse` of each key) of the objects under `prefix` whose keys sort after
   * `keyOf(after)` (0: all), ascending; with `max`, one LIST of at most that many keys.
   */
  private async numbered(
    prefix: string,
    after: number,
    keyOf: (n: number) => string,
    parse: (key: string) => number | undefined,
    max?: number,
  ): Promise<number[]> {
    const out: number[] = [];
    let token: string | undefined;
    do {
      const r = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(after > 0 ? { StartAfter: keyOf(after) } : {}),
          ...(max ? { MaxKeys: max } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of r.Contents ?? []) {
        const n = o.Key ? parse(o.Key) : undefined;
        if (n !== undefined && n > after) out.push(n);
      }
      token = r.IsTruncated && !max ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a - b);
  }

  /** One LIST (the first bundle name at or after the sequence's) and one GET. */
  async dayHolding(sequence: number): Promise<DayBundle | undefined> {
    const [last] = await this.dayEnds(sequence - 1, 1);
    if (last === undefined) return undefined;
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.dayKey(last) }));
      return parseDayBundle((await r.Body?.transformToString('utf8')) ?? '');
    } catch (e) {
      if (status(e) === 404 || named(e, 'NoSuchKey', 'NotFound')) return undefined;
      throw e;
    }
  }

  /** Lists only the bundles after the newest this process saw (the whole folder once per cold start). */
  async lastDayEnd(): Promise<number> {
    this.dayHint = (await this.dayEnds(this.dayHint)).at(-1) ?? this.dayHint;
    return this.dayHint;
  }

  private async putOnce(key: string, text: string, sequence: number): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: text,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          // Puts into an Object Lock bucket need an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    } catch (e) {
      // 412: the key exists; 409: a concurrent conditional write to the same key is in flight.
      if (
        status(e) === 412 ||
        status(e) === 409 ||
        named(e, 'PreconditionFailed', 'ConditionalRequestConflict')
      )
        throw new CheckpointExistsError(sequence);
      throw e;
    }
  }

  async get(sequence: number): Promise<SignedCheckpoint | undefined> {
    return this.read(sequence);
  }

  private async read(sequence: number): Promise<SignedCheckpoint | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(sequence) }));
      return parseCheckpointFile(sequence, (await r.Body?.transformToString('utf8')) ?? '');
    } catch (e) {
      if (status(e) === 404 || named(e, 'NoSuchKey', 'NotFound')) return undefined;
      throw e;
    }
  }

  /** Sequences of the stored checkpoints after `startAfter` (0: all), ascending. */
  private sequences(startAfter = 0): Promise<number[]> {
    return this.numbered(
      this.options.prefix,
      startAfter,
      (n) => this.key(n),
      (key) => this.sequenceOf(key),
    );
  }

  async list(): Promise<SignedCheckpoint[]> {
    const sequences = await this.sequences();
    const out: SignedCheckpoint[] = [];
    for (let i = 0; i < sequences.length; i += 32) {
      const batch = await Promise.all(sequences.slice(i, i + 32).map((s) => this.read(s)));
      for (const c of batch) if (c) out.push(c);
    }
    return out;
  }

  private async exists(sequence: number): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sequence) }));
      return true;
    } catch (e) {
      if (status(e) === 404 || named(e, 'NotFound', 'NoSuchKey')) return false;
      throw e;
    }
  }

  /** Highest n such that 1…n exist, by galloping then bisecting with HEAD (O(log n) requests). */
  private async probe(): Promise<number> {
    if (!(await this.exists(1))) return 0;
    let lo = 1;
    let hi = 2;
    while (await this.exists(hi)) {
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.exists(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The highest stored sequence without listing the whole prefix each minute: start from the
   * last one this process saw (or a HEAD probe), then LIST only what sorts after it, which is
   * exact even when the start is stale or sequences have gaps.
   */
  async latest(): Promise<SignedCheckpoint | undefined> {
    const start = this.hint || (await this.probe());
    let highest = (await this.sequences(start)).at(-1) ?? start;
    let found = highest ? await this.read(highest) : undefined;
    if (highest && !found) {
      // The start vanished (impossible under Object Lock): list everything.
      highest = (await this.sequences()).at(-1) ?? 0;
      found = highest ? await this.read(highest) : undefined;
    }
    this.hint = found ? highest : 0;
    return found;
  }
}
