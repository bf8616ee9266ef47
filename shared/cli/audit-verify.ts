/**
 * `ruling-intake audit verify`: through the API (the server's key), or offline: with
 * `--public-key key.pem` the CLI reads the records and checkpoints itself (the local stack's
 * data) and checks every signature with that key alone, trusting nothing the server says.
 */
import { readFile } from 'node:fs/promises';
import { apiClient, CliError, ensureOk, localState, type ApiOptions } from './api-client.js';
import { pemVerifier } from '../domain/audit-chain.js';
import { verifyRecordProof, type RecordProof } from '../domain/audit-proof.js';
import { verifyFullResult } from '../use-cases/audit-verify.js';

interface Verification {
  ok: boolean;
  checkedRecords?: number;
  checkedCheckpoints?: number;
  pending?: number;
  expired?: number;
  incremental?: {
    fromHead: { sequence: number; size: number } | null;
    toHead: { sequence: number; size: number } | null;
    newCheckpoints: number;
    windowCheckpoints: number;
  };
  firstProblem?: { kind: string; recordId?: string; checkpoint?: number; detail: string } | null;
  problems?: unknown[];
}

function report(v: Verification, out: { print(s: string): void }): void {
  const inc = v.incremental;
  const scope = inc
    ? ` (since verified head ${inc.fromHead?.sequence ?? '— none yet, from the start'}${inc.toHead ? `, up to head ${inc.toHead.sequence} of ${inc.toHead.size} records` : ''}${inc.windowCheckpoints ? `; ${inc.windowCheckpoints} checkpoints of the from/to window` : ''})`
    : '';
  if (v.ok) {
    out.print(
      `audit trail intact: ${v.checkedRecords ?? 0} records in ${v.checkedCheckpoints ?? 0} signed checkpoints verified${scope}${v.pending ? `, ${v.pending} not sealed yet` : ''}${v.expired ? `, ${v.expired} past retention (expired)` : ''}.`,
    );
    if (inc) out.print('older records: add --from/--to for a window, or --full to re-verify the whole log.');
    return;
  }
  const p = v.firstProblem;
  out.print(`audit trail BROKEN: ${v.problems?.length ?? 1} problem(s).`);
  if (p)
    out.print(
      `first: ${p.kind}${p.recordId ? ` record ${p.recordId}` : ''}${p.checkpoint ? ` checkpoint ${p.checkpoint}` : ''} — ${p.detail}`,
    );
}

interface FullStatus {
  status: 'idle' | 'requested' | 'running';
  requested?: boolean;
  progress?: { nextSequence: number; untilSequence?: number; checkedRecords: number; problemCount: number };
  lastResult: {
    result: {
      ok?: boolean;
      finishedAt?: string;
      checkedCheckpoints?: number;
      checkedRecords?: number;
      problemCount?: number;
      problems?: { kind: string; recordId?: string; detail: string }[];
    };
    signature: string;
  } | null;
  publicKeyPem: string;
}

/**
 * `audit verify --full`: starts the full re-verification (the sealer runs it in the background)
 * unless one is in progress, and shows its progress and last result, whose signature is checked
 * here with the key the server sent or, with --public-key, that key alone.
 */
async function fullVerifyCommand(
  opts: ApiOptions & { json?: boolean; lang: 'nl' | 'en'; publicKey?: string },
  out: { print(s: string): void; printJson(v: unknown): void },
): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const r = await api.call('POST', '/v1/audit/verify/full');
  ensureOk(r, opts.lang);
  const s = r.body as FullStatus;
  const pem = opts.publicKey
    ? await readFile(opts.publicKey, 'utf8').catch(() => {
        throw new CliError(`Cannot read the public key ${opts.publicKey}.`);
      })
    : s.publicKeyPem;
  const signed = s.lastResult ? verifyFullResult(s.lastResult, pemVerifier(pem)) : undefined;
  if (opts.json) {
    out.printJson({ ...s, signatureVerifiedHere: signed ?? null });
    return s.lastResult && (!signed || s.lastResult.result.ok === false) ? 5 : 0;
  }
  if (s.requested) out.print('full verification started: the sealer runs it in the background.');
  else if (s.status !== 'idle') out.print(`a full verification is already ${s.status}.`);
  if (s.progress)
    out.print(
      `progress: checkpoint ${s.progress.nextSequence - 1} of ${s.progress.untilSequence ?? '?'}, ${s.progress.checkedRecords} records, ${s.progress.problemCount} problem(s) so far.`,
    );
  if (!s.lastResult) {
    out.print('no finished full verification yet: run this command again later to see its result.');
    return 0;
  }
  const res = s.lastResult.result;
  if (!signed) {
    out.print('last full verification: its signature does NOT verify with the public key.');
    return 5;
  }
  out.print(
    `last full verification (${res.finishedAt ?? '?'}, signature valid): ${res.ok ? 'intact' : 'BROKEN'} — ${res.checkedRecords ?? 0} records in ${res.checkedCheckpoints ?? 0} checkpoints, ${res.problemCount ?? 0} problem(s).`,
  );
  const p = res.problems?.[0];
  if (p) out.print(`first: ${p.kind}${p.recordId ? ` record ${p.recordId}` : ''} — ${p.detail}`);
  return res.ok ? 0 : 5;
}

export async function auditVerifyCommand(
  opts: ApiOptions & {
    json?: boolean;
    lang: 'nl' | 'en';
    from?: string;
    to?: string;
    days?: string;
    publicKey?: string;
    full?: boolean;
  },
  out: { print(s: string): void; printJson(v: unknown): void },
): Promise<number> {
  if (opts.full) return fullVerifyCommand(opts, out);
  if (opts.days !== undefined) {
    const n = Number(opts.days);
    if (!Number.isInteger(n) || n < 1 || n > 3660)
      throw new CliError('--days takes a whole number of days (1–3660).');
    if (opts.from) throw new CliError('Give either --days or --from, not both.');
    opts = { ...opts, from: new Date(Date.now() - n * 86_400_000).toISOString() };
  }
  let v: Verification;
  if (opts.publicKey) {
    const pem = await readFile(opts.publicKey, 'utf8').catch(() => {
      throw new CliError(`Cannot read the public key ${opts.publicKey}.`);
    });
    const state = await localState();
    if (!state)
      throw new CliError('Offline verification reads the local stack’s data: start it with npm start.');
    const { useLocalStack } = await import('../adapters/local/stack-state.js');
    useLocalStack(state);
    const { auditSealPorts } = await import('../composition/compose-audit.js');
    const { verifyAudit } = await import('../use-cases/audit-seal.js');
    const ports = await auditSealPorts();
    v = await verifyAudit({
      audit: ports.audit,
      checkpoints: ports.checkpoints,
      publicKeyPem: pem,
      ...(opts.from ? { from: opts.from } : {}),
      ...(opts.to ? { to: opts.to } : {}),
    });
  } else {
    const api = await apiClient(opts, 'auditor');
    const q = new URLSearchParams();
    if (opts.from) q.set('from', opts.from);
    if (opts.to) q.set('to', opts.to);
    const r = await api.call('GET', `/v1/audit/verify?${q}`);
    ensureOk(r, opts.lang);
    v = r.body as Verification;
  }
  if (opts.json) out.printJson(v);
  else report(v, out);
  return v.ok ? 0 : 5;
}

/** `ruling-intake audit public-key`: the PEM of the checkpoint signing key, for offline checks. */
export async function auditPublicKeyCommand(
  opts: ApiOptions & { lang: 'nl' | 'en' },
  out: { print(s: string): void },
): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const r = await api.call('GET', '/v1/audit/verify');
  ensureOk(r, opts.lang);
  const pem = (r.body as { publicKeyPem?: string }).publicKeyPem;
  if (!pem) throw new CliError('The server did not return its public key.');
  out.print(pem.trim());
  return 0;
}

/**
 * `ruling-intake audit prove <recordId>`: fetches the record's inclusion proof and checks it here,
 * offline — with `--public-key key.pem` trusting that key alone (else the key the server sent),
 * and with `--record record.json` also that the record as you hold it is the one proven.
 */
export async function auditProveCommand(
  recordId: string,
  opts: ApiOptions & { json?: boolean; lang: 'nl' | 'en'; publicKey?: string; record?: string },
  out: { print(s: string): void; printJson(v: unknown): void },
): Promise<number> {
  const api = await apiClient(opts, 'auditor');
  const r = await api.call('GET', `/v1/audit/records/${encodeURIComponent(recordId)}/proof`);
  ensureOk(r, opts.lang);
  const body = r.body as RecordProof & { publicKeyPem: string };
  const pem = opts.publicKey
    ? await readFile(opts.publicKey, 'utf8').catch(() => {
        throw new CliError(`Cannot read the public key ${opts.publicKey}.`);
      })
    : body.publicKeyPem;
  const record = opts.record
    ? (JSON.parse(
        await readFile(opts.record, 'utf8').catch(() => {
          throw new CliError(`Cannot read the record ${opts.record}.`);
        }),
      ) as object)
    : undefined;
  const check = verifyRecordProof(body, pemVerifier(pem), record);
  if (opts.json) out.printJson({ ...body, verified: check });
  else if (check.ok) {
    const tree = (body.head.body as { tree?: { size: number } }).tree;
    out.print(
      `record ${recordId} is in the sealed log: leaf ${body.leafIndex} of ${tree?.size ?? '?'}, signed head ${body.head.sequence}${opts.publicKey ? '' : ' (checked with the key the server sent; pass --public-key to trust only your copy)'}${record ? '; the record you hold is the one proven' : ''}.`,
    );
  } else out.print(`proof FAILED for record ${recordId}: ${check.reason}.`);
  return check.ok ? 0 : 5;
}
