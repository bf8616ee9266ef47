/**
 * Wiring of the intake function: the ports of `processExtract` from the environment, with the
 * pdf.js reader. Apart from `compose.ts` so that no other function's bundle carries pdf.js.
 */
import { pdfjsReader } from '../adapters/pdf/pdfjs-reader.js';
import type { IntakeDeps } from '../use-cases/process-extract.js';
import { auditLog, extractStore, keyPorts, ledgerStore, statusStore } from './compose.js';

/** Everything the intake use case needs. */
export async function intakeDeps(): Promise<IntakeDeps> {
  return {
    extracts: extractStore(),
    ledger: ledgerStore(),
    audit: auditLog(),
    statuses: statusStore(),
    pdf: pdfjsReader,
    ...(await keyPorts()),
  };
}
