/**
 * An in-memory checkpoint store for tests and benchmarks: write-once like the real stores (a second
 * put of a sequence is `CheckpointExistsError`), bodies stored as JSON and parsed back, and a count
 * of full listings (what verification must not need as the log grows).
 */
import type { CheckpointBody, SignedCheckpoint } from '../../shared/domain/audit-chain.js';
import { CheckpointExistsError, type CheckpointStore } from '../../shared/ports/audit-seal.js';

export class MemoryCheckpoints implements CheckpointStore {
  readonly stored = new Map<number, SignedCheckpoint>();
  /** How often `list()` read every checkpoint. */
  listed = 0;
  async put(sequence: number, body: CheckpointBody, signature: Uint8Array): Promise<void> {
    if (this.stored.has(sequence)) throw new CheckpointExistsError(sequence);
    this.stored.set(sequence, { sequence, body: JSON.parse(JSON.stringify(body)) as unknown, signature });
  }
  async list(): Promise<SignedCheckpoint[]> {
    this.listed++;
    return this.sorted();
  }
  async latest(): Promise<SignedCheckpoint | undefined> {
    return this.sorted().at(-1);
  }
  async get(sequence: number): Promise<SignedCheckpoint | undefined> {
    return this.stored.get(sequence);
  }
  get size(): number {
    return this.stored.size;
  }
  private sorted(): SignedCheckpoint[] {
    return [...this.stored.values()].sort((a, b) => a.sequence - b.sequence);
  }
}
