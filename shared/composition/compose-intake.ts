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
import type { IntakeControl } from '../ports/index.js';
import { auditLog, extractStore, intakeControl, keyPorts, ledgerWithOutbox, statusStore } from './compose.js';

/** How long the intake trusts a "running" read of the pause switch. */
export const PAUSE_CACHE_MS = 3000;

/**
 * The pause switch for the intake: a "running" answer is trusted for `ttlMs` (one read per few
 * seconds while running); a "paused" answer never is, so the first message after a resume (the
 * re-enqueued ones) is processed, not acknowledged as paused again.
 */
export function cachedPauseSwitch(
  read: () => Promise<boolean>,
  ttlMs = PAUSE_CACHE_MS,
  clock: () => number = Date.now,
): Pick<IntakeControl, 'isPaused'> {
  let runningAt: number | undefined;
  return {
    async isPaused() {
      if (runningAt !== undefined && clock() - runningAt < ttlMs) return false;
      const paused = await read();
      runningAt = paused ? undefined : clock();
      return paused;
    },
  };
}

let pauseSwitch: Pick<IntakeControl, 'isPaused'> | undefined;

/** Forget the cached pause switch (the local stack restarted on new ports). */
export function resetPauseSwitch(): void {
  pauseSwitch = undefined;
}

/** Everything the intake use case needs. */
export async function intakeDeps(): Promise<IntakeDeps> {
  const seal = sealCheck();
  return {
    extracts: extractStore(),
    ledger: ledgerWithOutbox(),
    audit: auditLog(),
    statuses: statusStore(),
    control: (pauseSwitch ??= cachedPauseSwitch(() => intakeControl().isPaused())),
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
