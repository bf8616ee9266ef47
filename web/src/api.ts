/**
 * Calls to `/v1` with the bearer token. Every error becomes an `ApiProblem` carrying the API's
 * `{ code, message: { nl, en } }`, so screens show the API's own explanation.
 */
import type { Message } from './i18n.js';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messages: Message,
  ) {
    super(`${status} ${code}: ${messages.en}`);
    this.name = 'ApiProblem';
  }
}

const NETWORK: Message = {
  nl: 'De dienst is niet bereikbaar. Controleer uw verbinding en probeer opnieuw.',
  en: 'The service cannot be reached. Check your connection and try again.',
};

export interface Api {
  json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  text(path: string, accept: string): Promise<string>;
}

/** `onUnauthorized` runs on a 401 (the token expired or was revoked): the console asks to sign in again. */
export function createApi(base: string, token: string, onUnauthorized: () => void): Api {
  async function call(method: string, path: string, init: RequestInit, accept: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        ...init,
        method,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}`, accept },
        cache: 'no-store',
      });
    } catch {
      throw new ApiProblem(0, 'NETWORK', NETWORK);
    }
    if (res.ok) return res;
    const body = (await res.json().catch(() => undefined)) as
      { code?: string; message?: Message } | undefined;
    if (res.status === 401) onUnauthorized();
    throw new ApiProblem(
      res.status,
      body?.code ?? `HTTP_${res.status}`,
      body?.message ?? { nl: `Fout ${res.status}.`, en: `Error ${res.status}.` },
    );
  }
  return {
    async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json') {
      const init: RequestInit =
        body === undefined
          ? {}
          : {
              body: typeof body === 'string' ? body : JSON.stringify(body),
              headers: { 'content-type': contentType },
            };
      const res = await call(method, path, init, 'application/json');
      return (await res.json()) as T;
    },
    async text(path: string, accept: string) {
      return (await call('GET', path, {}, accept)).text();
    },
  };
}

/**
 * POSTs a file to a presigned S3 POST (fields first, the file last, as S3 requires), reporting
 * progress. XMLHttpRequest, because fetch cannot report upload progress.
 */
export function postToS3(
  upload: { url: string; fields: Record<string, string> },
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', upload.url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new ApiProblem(xhr.status, 'UPLOAD_REFUSED', { nl: '', en: '' }));
    };
    xhr.onerror = () => reject(new ApiProblem(0, 'NETWORK', NETWORK));
    xhr.send(form);
  });
}

/** Saves text as a file the browser downloads. */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
