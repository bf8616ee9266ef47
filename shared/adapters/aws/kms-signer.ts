import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Signer } from '../../ports/audit-seal.js';
import { sha256 } from '../../domain/canonical.js';

/** KMS accepts at most this many bytes as a RAW message; longer bodies are signed by digest. */
export const KMS_RAW_MESSAGE_LIMIT = 4096;

/**
 * Signs with the asymmetric KMS key (`ECC_NIST_P256`, `SIGN_VERIFY`): ECDSA_SHA_256, DER
 * signatures. The private key never leaves KMS. Messages up to 4096 bytes go as `RAW` (KMS hashes
 * them); longer ones as their SHA-256 `DIGEST` — the same signature over the same message either
 * way, verifiable with `node:crypto` `verify('sha256', message, publicKeyPem, signature)`.
 */
export class KmsSigner implements Signer {
  private pem: Promise<string> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async sign(message: Uint8Array): Promise<Uint8Array> {
    const raw = message.byteLength <= KMS_RAW_MESSAGE_LIMIT;
    const r = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        SigningAlgorithm: 'ECDSA_SHA_256',
        MessageType: raw ? 'RAW' : 'DIGEST',
        Message: raw ? message : sha256(message),
      }),
    );
    if (!r.Signature) throw new Error('KMS Sign returned no signature');
    return r.Signature;
  }

  publicKeyPem(): Promise<string> {
    this.pem ??= (async () => {
      const r = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
      if (!r.PublicKey) throw new Error('KMS GetPublicKey returned no key');
      if (r.KeySpec && r.KeySpec !== 'ECC_NIST_P256')
        throw new Error(`signing key is ${r.KeySpec}, not ECC_NIST_P256`);
      return createPublicKey({ key: Buffer.from(r.PublicKey), format: 'der', type: 'spki' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
    })().catch((e: unknown) => {
      this.pem = undefined;
      throw e;
    });
    return this.pem;
  }
}
