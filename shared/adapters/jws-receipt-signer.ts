/**
 * Receipts as compact JWS (ES256) signed through the `Signer` port: KMS `Sign` (ECDSA_SHA_256)
 * on AWS, the local EC key locally. Both return DER; a JWS carries raw r‖s (RFC 7518 §3.4), so the
 * signature is converted. jose builds the header's key id (RFC 7638 thumbprint) and checks every
 * receipt it signs before handing it out (a wrong key configured never yields a receipt).
 */
import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, type JWK } from 'jose';
import type { ReceiptSigner, Signer } from '../ports/audit-seal.js';
import { b64u, derToJose, receiptHeader } from '../domain/receipt.js';
import { webhookHeader, type WebhookPayload } from '../domain/webhook.js';
import type { WebhookSigner } from '../ports/index.js';

/**
 * A compact JWS (ES256) over any header and payload through the `Signer` port, its `kid` the
 * key's RFC 7638 thumbprint (computed once); each signature is checked before it is handed out.
 */
class JwsSigner {
  private kid: Promise<string> | undefined;

  constructor(readonly signer: Signer) {}

  keyId(): Promise<string> {
    this.kid ??= this.signer
      .publicKeyPem()
      .then((pem) => calculateJwkThumbprint(createPublicKey(pem).export({ format: 'jwk' }) as JWK))
      .catch((e: unknown) => {
        this.kid = undefined;
        throw e;
      });
    return this.kid;
  }

  async sign(header: (kid: string) => object, payload: object): Promise<string> {
    const input = `${b64u(JSON.stringify(header(await this.keyId())))}.${b64u(JSON.stringify(payload))}`;
    const der = await this.signer.sign(Buffer.from(input));
    const jws = `${input}.${b64u(derToJose(der))}`;
    await compactVerify(jws, createPublicKey(await this.signer.publicKeyPem()));
    return jws;
  }
}

export class JwsReceiptSigner implements ReceiptSigner {
  private readonly jws: JwsSigner;

  constructor(signer: Signer) {
    this.jws = new JwsSigner(signer);
  }

  publicKeyPem(): Promise<string> {
    return this.jws.signer.publicKeyPem();
  }

  signReceipt(payload: object): Promise<string> {
    return this.jws.sign(receiptHeader, payload);
  }
}

/**
 * Webhook notifications (issue 16) as compact JWS (ES256, `typ` learning-credit-change+jwt, `kid`
 * the key's RFC 7638 thumbprint), signed through the `Signer` port with the webhook key (KMS on
 * AWS, `webhook.pem` locally); each signature is checked before it is sent, as for receipts.
 */
export class JwsWebhookSigner implements WebhookSigner {
  private readonly jws: JwsSigner;

  constructor(signer: Signer) {
    this.jws = new JwsSigner(signer);
  }

  async publicKey(): Promise<{ publicKeyPem: string; kid: string }> {
    return { publicKeyPem: await this.jws.signer.publicKeyPem(), kid: await this.jws.keyId() };
  }

  sign(payload: WebhookPayload): Promise<string> {
    return this.jws.sign(webhookHeader, payload);
  }
}
