import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '../../ports/audit-seal.js';

/** File of the local signing key (PKCS#8 PEM, mode 0600) in the local key folder. */
export const LOCAL_SIGNING_KEY_FILE = 'signing.pem';
/** File of the local receipt key (the clerks' receipts; like `KEYS.receipts` on AWS). */
export const LOCAL_RECEIPT_KEY_FILE = 'receipt.pem';
/** File of the local webhook key (the change notifications; like `KEYS.webhooks` on AWS). */
export const LOCAL_WEBHOOK_KEY_FILE = 'webhook.pem';

async function readOrCreateKey(dir: string, name: string): Promise<KeyObject> {
  const file = join(dir, name);
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Written whole under a temporary name, then linked into place: link() fails if another process
  // created the key meanwhile, and nobody ever reads a half-written key.
  const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
  await chmod(file, 0o600);
  return createPrivateKey(await readFile(file, 'utf8'));
}

/** The local stand-in for a KMS signing key: an EC P-256 key generated on first use. */
export class LocalSigner implements Signer {
  private key: Promise<KeyObject> | undefined;

  constructor(
    private readonly keyDir: string,
    /** The key's file in the folder: the tree heads' key by default, `LOCAL_RECEIPT_KEY_FILE` for receipts. */
    private readonly file: string = LOCAL_SIGNING_KEY_FILE,
  ) {}

  private privateKey(): Promise<KeyObject> {
    this.key ??= readOrCreateKey(this.keyDir, this.file).catch((e: unknown) => {
      this.key = undefined;
      throw e;
    });
    return this.key;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', message, { key: await this.privateKey(), dsaEncoding: 'der' });
  }

  async publicKeyPem(): Promise<string> {
    return createPublicKey(await this.privateKey())
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }
}
