import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { KeyService } from '../../ports/index.js';

/** Keyed hashes with a KMS HMAC key (`HMAC_256`): the key never leaves KMS. */
export class KmsKeyService implements KeyService {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async mac(purpose: 'pseudonym' | 'identity' | 'audit-query', message: string): Promise<string> {
    const r = await this.kms.send(
      new GenerateMacCommand({
        KeyId: this.keyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: new TextEncoder().encode(`${purpose}:${message}`),
      }),
    );
    return Buffer.from(r.Mac!).toString('hex');
  }
}
