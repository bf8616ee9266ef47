/**
 * The credit API under load: `GET /v1/students/{n}/learning-credit?purpose=enrolment` (pseudonym,
 * student, entries and enrolments read, one audit record written before the answer) against an
 * endpoint that answers a constant through the same HTTP server, event mapping, token
 * verification and role check — the floor any route of this server pays.
 *
 * The constant endpoint exists only here: the bench starts the local HTTP server
 * (`infra/local/http.ts`) with a function map whose institution function sends requests carrying
 * `x-bench-endpoint: constant` to an API handler whose `getCredit` returns the real endpoint's
 * body, captured once, and every other request to the real institution handler. No production
 * route is added. autocannon runs in a child process (`load-client.mjs`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInstitutionHandler } from '../../functions/api-institution/handler.js';
import { startLocalHttp, type ApiLambda } from '../../infra/local/http.js';
import { institutionPorts, tokenVerifier } from '../../shared/composition/compose.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import type { ApiFunction } from '../../shared/config/routes.js';
import { createApiHandler } from '../../shared/http/api.js';
import {
  extractText,
  nationalNumber,
  pdfFromText,
  upload,
  waitForStatus,
  withStack,
} from '../integration/helpers.js';
import { int, ms, quantile, ratio, stats, table } from './stats.js';

const CLIENT = fileURLToPath(new URL('./load-client.mjs', import.meta.url));

interface LoadResult {
  readonly latencies: number[];
  readonly perSecond: number[];
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly total: number;
}

function load(
  url: string,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify({ url, headers, connections, seconds })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`load client exited with ${code}`));
      resolve(JSON.parse(line.slice('RESULT '.length)) as LoadResult);
    });
  });
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

export async function benchApi(options: {
  seconds: number;
  connections: readonly number[];
}): Promise<string[]> {
  const stack = await withStack({ sealEveryMs: 0 });
  try {
    // A student UGENT may see: a ruling naming UGENT, applied through the real intake.
    const rrn = nationalNumber('030405', 123, true);
    const id = await upload(
      await pdfFromText(extractText({ ruling: '88001', rrn, surname: 'Lastig', givenNames: 'Lotte' })),
    );
    if ((await waitForStatus(id)).status !== 'APPLIED') throw new Error('bench student not applied');

    const ports = once(institutionPorts);
    const real = createInstitutionHandler(ports);
    let constantBody: unknown;
    const unused = async () => ({ status: 404, json: { code: 'NOT_FOUND' } });
    const constant = createApiHandler('institution', {
      verifier: tokenVerifier,
      audit: async () => (await ports()).audit,
      routes: {
        getCredit: async () => ({ status: 200, json: constantBody }),
        // Every route of the function must have an implementation; the bench calls only getCredit.
        ...{
          getOpenApi: unused,
          batchGetCredit: unused,
          declareEnrolment: unused,
          listChanges: unused,
          getWebhookKey: unused,
        },
      },
    });
    const none: ApiLambda = async () => ({ statusCode: 404, body: '{"code":"NOT_FOUND"}' });
    const functions: Record<ApiFunction, ApiLambda> = {
      clerk: none,
      audit: none,
      admin: none,
      institution: (e) => (e.headers['x-bench-endpoint'] === 'constant' ? constant(e) : real(e)),
    };
    const http = await startLocalHttp({ port: 0, functions });
    try {
      const token = await stack.idp.issueToken(
        { role: 'institution', institution: 'UGENT' },
        { expiresInSec: 3600 },
      );
      const url = `${http.url}/v1/students/${rrn}/learning-credit?purpose=enrolment`;
      const headers = (endpoint: 'real' | 'constant') => ({
        authorization: `Bearer ${token}`,
        'x-bench-endpoint': endpoint,
      });
      const first = await fetch(url, { headers: headers('real') });
      if (first.status !== 200) throw new Error(`credit endpoint answered ${first.status}`);
      constantBody = await first.json();
      const check = await fetch(url, { headers: headers('constant') });
      if (check.status !== 200) throw new Error(`constant endpoint answered ${check.status}`);

      const deps = await intakeDeps();
      const creditReads = async () =>
        (await deps.audit.list()).filter((r) => r.action === 'credit.read').length;
      const auditBefore = await creditReads();
      // Warm-up (JIT, connection pools, JWKS cache): unmeasured.
      await load(url, headers('constant'), 8, 2);
      const warm = await load(url, headers('real'), 8, 2);

      const rows: string[][] = [];
      let realAnswered = warm.statuses['200'] ?? 0;
      let cutOff = 8;
      for (const c of options.connections) {
        const base = await load(url, headers('constant'), c, options.seconds);
        const ours = await load(url, headers('real'), c, options.seconds);
        for (const [name, r] of [
          ['constant', base],
          ['credit', ours],
        ] as const) {
          const bad = r.total - (r.statuses['200'] ?? 0);
          if (bad || r.errors || r.timeouts)
            throw new Error(
              `${name} endpoint at ${c} connections: ${bad} non-200, ${r.errors} errors, ${r.timeouts} timeouts`,
            );
        }
        realAnswered += ours.statuses['200'] ?? 0;
        cutOff += c;
        const rps = (r: LoadResult) => stats(r.perSecond);
        const lat = (r: LoadResult) => [...r.latencies].sort((a, b) => a - b);
        const lo = (r: LoadResult) =>
          quantile(
            [...r.perSecond].sort((a, b) => a - b),
            0.05,
          );
        const [lb, lr] = [lat(base), lat(ours)];
        rows.push([
          String(c),
          `${int(rps(ours).median)} (p5 ${int(lo(ours))})`,
          `${int(rps(base).median)} (p5 ${int(lo(base))})`,
          ratio(rps(ours).median, rps(base).median),
          `${ms(quantile(lr, 0.5), 1)} / ${ms(quantile(lr, 0.95), 1)} / ${ms(quantile(lr, 0.99), 1)}`,
          `${ms(quantile(lb, 0.5), 1)} / ${ms(quantile(lb, 0.95), 1)} / ${ms(quantile(lb, 0.99), 1)}`,
          ratio(quantile(lr, 0.5), quantile(lb, 0.5)),
          int(ours.total),
        ]);
      }
      // Requests still in flight when a step ends are answered by the server (and audited) after
      // the client stopped counting: at most one per connection and step.
      await new Promise((r) => setTimeout(r, 500));
      const audited = (await creditReads()) - auditBefore;
      const closed = audited >= realAnswered && audited - realAnswered <= cutOff;
      return [
        '## Credit API under load',
        '',
        `autocannon (own process), ${options.seconds} s per step, no pipelining; the constant endpoint runs through the same server, token verification and role check and answers the real endpoint's body. Requests/s: median over the whole seconds of a step (p5 = slowest 5 % of seconds). Latency per request.`,
        '',
        ...table(
          [
            'connections',
            'credit req/s',
            'constant req/s (baseline)',
            'ratio',
            'credit p50 / p95 / p99 ms',
            'constant p50 / p95 / p99 ms',
            'p50 ratio',
            'credit requests',
          ],
          rows,
        ),
        '',
        `Fail-closed cross-check (warm-up included): ${int(realAnswered)} credit answers received, ${int(audited)} \`credit.read\` audit records written; the ${int(audited - realAnswered)} extra are requests cut off in flight at the end of a step (at most one per connection and step: ${cutOff})${closed ? '' : ' — CHECK FAILED'}.`,
        '',
      ];
    } finally {
      await http.stop();
    }
  } finally {
    await stack.dispose();
  }
}
