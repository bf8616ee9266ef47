/**
 * The test side of `parse-worker.ts`: one worker thread, one request at a time, a time limit per
 * request. A request over the limit terminates the worker (the only way to stop a synchronous
 * loop) and resolves as `{ kind: 'hang' }`; the next request starts a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import type { ParseReply, ParseRequest } from './parse-worker.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Req = WithoutId<ParseRequest>;
export type ClientReply = ParseReply | { readonly kind: 'hang'; readonly ms: number };

export class ParseClient {
  private worker: Worker | undefined;
  private nextId = 1;
  /** The slowest request answered so far (ms, measured inside the worker). */
  slowest = 0;
  readonly times: number[] = [];

  private spawn(): Worker {
    // Inherits the process's execArgv (`--import tsx`), so the worker runs the TypeScript sources.
    const w = new Worker(new URL('./parse-worker.ts', import.meta.url));
    w.unref();
    return w;
  }

  /** Starts the worker and waits until it answers (loading pdf.js takes a while). */
  async warmUp(): Promise<void> {
    await this.call({ kind: 'text', text: 'x', now: Date.now() }, 120_000);
  }

  call(req: Req, timeoutMs: number): Promise<ClientReply> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.worker = undefined;
        void worker.terminate();
        resolve({ kind: 'hang', ms: performance.now() - started });
      }, timeoutMs);
      const onMessage = (reply: ParseReply) => {
        if (reply.id !== id) return;
        cleanup();
        this.slowest = Math.max(this.slowest, reply.ms);
        this.times.push(reply.ms);
        resolve(reply);
      };
      const onError = (error: Error) => {
        cleanup();
        this.worker = undefined;
        reject(error);
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ ...req, id });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
