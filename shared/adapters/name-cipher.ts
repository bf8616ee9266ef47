import {
  buildClient,
  CommitmentPolicy,
  KmsKeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  type KeyringNode,
} from '@aws-crypto/client-node';
import type { NameCipher, PersonName } from '../ports/index.js';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/**
 * Names under envelope encryption with the AWS Encryption SDK. The encryption context binds a
 * ciphertext to its student (pseudonym): a name copied onto another student does not decrypt.
 */
export class EsdkNameCipher implements NameCipher {
  constructor(private readonly keyring: KeyringNode) {}

  async encrypt(name: PersonName, context: Record<string, string>): Promise<string> {
    return this.seal(JSON.stringify(name), context);
  }

  async decrypt(ciphertext: string, context: Record<string, string>): Promise<PersonName> {
    return JSON.parse(await this.open(ciphertext, context, 'name')) as PersonName;
  }

  encryptNumber(nationalNumber: string, context: Record<string, string>): Promise<string> {
    return this.seal(nationalNumber, context);
  }

  decryptNumber(ciphertext: string, context: Record<string, string>): Promise<string> {
    return this.open(ciphertext, context, 'number');
  }

  private async seal(plaintext: string, context: Record<string, string>): Promise<string> {
    const { result } = await encrypt(this.keyring, plaintext, { encryptionContext: context });
    return Buffer.from(result).toString('base64');
  }

  private async open(ciphertext: string, context: Record<string, string>, what: string): Promise<string> {
    const { plaintext, messageHeader } = await decrypt(this.keyring, Buffer.from(ciphertext, 'base64'));
    for (const [k, v] of Object.entries(context)) {
      if (messageHeader.encryptionContext[k] !== v)
        throw new Error(`${what} ciphertext: encryption context mismatch`);
    }
    return plaintext.toString('utf8');
  }
}

/** AWS: a KMS keyring on the data key. */
export function kmsNameCipher(dataKeyArn: string): EsdkNameCipher {
  return new EsdkNameCipher(new KmsKeyringNode({ generatorKeyId: dataKeyArn }));
}

/** Locally: a raw AES-256-GCM keyring on the local data key. */
export function localNameCipher(dataKey: Buffer): EsdkNameCipher {
  return new EsdkNameCipher(
    new RawAesKeyringNode({
      keyName: 'ruling-intake-local-data-key',
      keyNamespace: 'ruling-intake',
      unencryptedMasterKey: new Uint8Array(dataKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    }),
  );
}
