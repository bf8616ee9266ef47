/**
 * An in-memory checkpoint store for tests and benchmarks: write-once like the real stores (a second
 * put of a sequence, or of a day bundle ending at the same sequence, is `CheckpointExistsError`),
 * bodies stored as JSON and parsed back, day bundles stored in their serialized form, and counts
 * of what was read: full listings (what verification must not need as the log grows), single
 * checkpoints and bundles.
 */
import type { CheckpointBody, SignedCheckpoint } from '../../shared/domain/audit-chain.js';
import { parseDayBundle, serializeDayBundle, type DayBundle } from '../../shared/domain/audit-days.js';
import { CheckpointExistsError, type CheckpointStore } from '../../shared/ports/audit-seal.js';

export class MemoryCheckpoints implements CheckpointStore {
  readonly stored = new Map<number, SignedCheckpoint>();
  /** Day bundles by last sequence, as stored text. */
  readonly days = new Map<number, string>();
  /** How often `list()` read every checkpoint. */
  listed = 0;
  /** Single checkpoints and bundles handed out (objects a reader fetched). */
  gets = 0;
  dayGets = 0;
  /** The highest sequence stored (`latest` without sorting: benches seal thousands). */
  top = 0;
  async put(sequence: number, body: CheckpointBody, signature: Uint8Array): Promise<void> {
    if (this.stored.has(sequence)) throw new CheckpointExistsError(sequence);
    this.stored.set(sequence, { sequence, body: JSON.parse(JSON.stringify(body)) as unknown, signature });
    this.top = Math.max(this.top, sequence);
  }
  async list(): Promise<SignedCheckpoint[]> {
    this.listed++;
    return this.sorted();
  }
  async latest(): Promise<SignedCheckpoint | undefined> {
    return this.stored.get(this.top);
  }
  async get(sequence: number): Promise<SignedCheckpoint | undefined> {
    const cp = this.stored.get(sequence);
    if (cp) this.gets++;
    return cp;
  }
  async putDay(bundle: DayBundle): Promise<void> {
    if (this.days.has(bundle.last)) throw new CheckpointExistsError(bundle.last);
    this.days.set(bundle.last, serializeDayBundle(bundle));
  }
  async dayHolding(sequence: number): Promise<DayBundle | undefined> {
    const last = [...this.days.keys()].sort((a, b) => a - b).find((l) => l >= sequence);
    if (last === undefined) return undefined;
    this.dayGets++;
    return parseDayBundle(this.days.get(last)!);
  }
  async lastDayEnd(): Promise<number> {
    return Math.max(0, ...this.days.keys());
  }
  get size(): number {
    return this.stored.size;
  }
  private sorted(): SignedCheckpoint[] {
    return [...this.stored.values()].sort((a, b) => a.sequence - b.sequence);
  }
}
