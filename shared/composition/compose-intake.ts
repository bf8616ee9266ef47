/**
 * Wiring of the intake function: the ports of `processExtract` from the environment, with the
 * pdf.js reader and the seal verifier (pkijs). Apart from `compose.ts` so that no other
 * function's bundle carries pdf.js or pkijs.
 */
import { readFileSync } from 'node:fs';
import { pdfjsReader } from '../adapters/pdf/pdfjs-reader.js';
import { PkijsSignatureVerifier } from '../adapters/signature/pkijs-verifier.js';
import { ENV } from '../config/resources.js';
import { SIGNATURE_POLICIES, type SignaturePolicy } from '../domain/pdf-signature.js';
import type { IntakeDeps } from '../use-cases/process-extract.js';
import { auditLog, extractStore, keyPorts, ledgerStore, statusStore } from './compose.js';

/** Everything the intake use case needs. */
export async function intakeDeps(): Promise<IntakeDeps> {
  const seal = sealCheck();
  return {
    extracts: extractStore(),
    ledger: ledgerStore(),
    audit: auditLog(),
    statuses: statusStore(),
    pdf: pdfjsReader,
    ...(seal ? { seal } : {}),
    ...(await keyPorts()),
  };
}

let verifier: { key: string; verifier: PkijsSignatureVerifier } | undefined;

/**
 * The seal check from `SIGNATURE_POLICY` (`off` when unset: the local stack and its unsigned
 * samples) and `SIGNATURE_TRUST_ANCHORS` (PEM text; locally also a path to a PEM file). A policy
 * other than `off` without trust anchors, or an unknown policy, is a configuration error: the
 * intake fails (and retries) rather than apply extracts unchecked.
 */
export function sealCheck(): IntakeDeps['seal'] {
  const policy = (process.env[ENV.signaturePolicy] || 'off') as SignaturePolicy;
  if (!SIGNATURE_POLICIES.includes(policy)) {
    throw new Error(
      `${ENV.signaturePolicy} must be one of ${SIGNATURE_POLICIES.join(', ')}, got "${policy}"`,
    );
  }
  if (policy === 'off') return undefined;
  const anchors = process.env[ENV.signatureTrustAnchors];
  if (!anchors)
    throw new Error(`${ENV.signatureTrustAnchors} is not set (required by ${ENV.signaturePolicy}=${policy})`);
  if (verifier?.key !== anchors) {
    const pem = anchors.includes('-----BEGIN') ? anchors : readFileSync(anchors, 'utf8');
    verifier = { key: anchors, verifier: new PkijsSignatureVerifier(pem) };
  }
  return { policy, verifier: verifier.verifier };
}
