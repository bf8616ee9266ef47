import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyService } from '../../ports/index.js';

/** The local stand-in for the KMS keys: generated on first start, files of mode 0600. */
export interface LocalKeys {
  readonly hmac: Buffer;
  readonly data: Buffer;
}

async function readOrCreate(file: string, bytes: number): Promise<Buffer> {
  try {
    const key = await readFile(file);
    if (key.length !== bytes) throw new Error(`local key ${file} has ${key.length} bytes, expected ${bytes}`);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const key = randomBytes(bytes);
    // `wx`: never overwrite a key another process created meanwhile.
    await writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await chmod(file, 0o600);
    return readFile(file);
  }
}

/** Loads the local keys from `dir`, creating them (mode 0600) on first use. */
export async function loadLocalKeys(dir: string): Promise<LocalKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return {
    hmac: await readOrCreate(join(dir, 'hmac.key'), 32),
    data: await readOrCreate(join(dir, 'data.key'), 32),
  };
}

/** HMAC-SHA-256 with a local key, the same construction as the KMS adapter. */
export class LocalKeyService implements KeyService {
  constructor(private readonly key: Buffer) {}

  async mac(purpose: 'pseudonym' | 'identity' | 'audit-query', message: string): Promise<string> {
    return createHmac('sha256', this.key).update(`${purpose}:${message}`).digest('hex');
  }
}
