import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

/**
 * The local write-once checkpoint store: one file per checkpoint (`000000000001.json`, …), mode
 * 0444, never overwritten. The local stand-in for S3 Object Lock: it stops accidents and a second
 * sealer, not someone with the folder's owner rights (that is what the signatures and the chain
 * are for).
 */
export class FolderCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  async put(sequence: number, body: CheckpointBody, signature: Uint8Array): Promise<void> {
    await this.writeOnce(checkpointName(sequence), serializeCheckpoint(body, signature), sequence);
  }

  /**
   * Written whole and synced under a temporary name (opened 'wx'), made read-only, then linked to
   * its final name: link() is an atomic create-if-absent, so a second sealer gets EEXIST and a
   * concurrent reader never sees half a file.
   */
  private async writeOnce(name: string, text: string, sequence: number): Promise<void> {
    const file = join(this.dir, name);
    const folder = dirname(file);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const tmp = join(folder, `.tmp-${basename(name)}.${process.pid}.${randomBytes(6).toString('hex')}`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await chmod(tmp, 0o444);
      await link(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new CheckpointExistsError(sequence);
      throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async putDay(bundle: DayBundle): Promise<void> {
    await this.writeOnce(dayBundleName(bundle.last), serializeDayBundle(bundle), bundle.last);
  }

  /** The bundles' last sequences, ascending. */
  private async dayEnds(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, DAY_BUNDLE_FOLDER));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names
      .map((n) => lastOfDayBundleName(`${DAY_BUNDLE_FOLDER}${n}`))
      .filter((s): s is number => s !== undefined)
      .sort((a, b) => a - b);
  }

  async dayHolding(sequence: number): Promise<DayBundle | undefined> {
    const last = (await this.dayEnds()).find((l) => l >= sequence);
    if (last === undefined) return undefined;
    return parseDayBundle(await readFile(join(this.dir, dayBundleName(last)), 'utf8'));
  }

  async lastDayEnd(): Promise<number> {
    return (await this.dayEnds()).at(-1) ?? 0;
  }

  private async sequences(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names
      .map(sequenceOfName)
      .filter((s): s is number => s !== undefined)
      .sort((a, b) => a - b);
  }

  private async read(sequence: number): Promise<SignedCheckpoint> {
    return parseCheckpointFile(sequence, await readFile(join(this.dir, checkpointName(sequence)), 'utf8'));
  }

  async list(): Promise<SignedCheckpoint[]> {
    const sequences = await this.sequences();
    const out: SignedCheckpoint[] = [];
    for (let i = 0; i < sequences.length; i += 64)
      out.push(...(await Promise.all(sequences.slice(i, i + 64).map((s) => this.read(s)))));
    return out;
  }

  async get(sequence: number): Promise<SignedCheckpoint | undefined> {
    try {
      return await this.read(sequence);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async latest(): Promise<SignedCheckpoint | undefined> {
    const last = (await this.sequences()).at(-1);
    return last === undefined ? undefined : this.read(last);
  }
}
