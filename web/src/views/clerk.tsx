/**
 * Registry clerk (DBRC): upload extracts (drag and drop or file picker, one or many, with progress
 * per file) straight to the bucket through a presigned POST, and follow what became of each. There
 * is no delete: the API has none for clerks and the bucket denies it.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiProblem, downloadText, postToS3 } from '../api.js';
import { useI18n, type Key } from '../i18n.js';
import type { CreateUpload, PublicStatus, Page, Receipt } from '../types.js';
import { Badge, DataTable, PageTitle, Problem, useApp, usePolling, type Column } from '../ui.js';

/** The service's limit (LIMITS.maxExtractBytes), checked here too so the clerk learns it at once. */
const MAX_BYTES = 10 * 1024 * 1024;
const PARALLEL = 3;
const PAGE = 50;
const FINAL = new Set(['APPLIED', 'DUPLICATE', 'REJECTED', 'HELD']);
/** Decided for good: these get a signed receipt (GET /v1/intakes/{intakeId}/receipt). */
const DECIDED = new Set(['APPLIED', 'DUPLICATE', 'REJECTED']);

interface UploadItem {
  readonly key: number;
  readonly name: string;
  readonly size: number;
  progress: number;
  state: 'waiting' | 'uploading' | 'done' | 'failed';
  intakeId?: string;
  error?: string;
}

/** File names of this session's uploads (the service stores none: names can be personal). */
const fileNames = new Map<string, string>();
let nextKey = 1;

const sizeText = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;

export function ClerkHome() {
  const { t, msg, dateTime } = useI18n();
  const { api } = useApp();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [list, setList] = useState<PublicStatus[]>();
  const [older, setOlder] = useState<PublicStatus[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [listError, setListError] = useState<unknown>();
  const [receiptError, setReceiptError] = useState<unknown>();
  const [dragging, setDragging] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const known = useRef(new Map<string, string>());

  const refresh = async () => {
    try {
      const page = await api.json<Page<PublicStatus>>('GET', `/v1/extracts?limit=${PAGE}`);
      setListError(undefined);
      // Say it when one of this session's uploads reaches its outcome.
      for (const s of page.items) {
        const before = known.current.get(s.intakeId);
        if (before !== undefined && before !== s.status && FINAL.has(s.status) && fileNames.has(s.intakeId)) {
          setAnnouncement(
            t('announce', {
              file: fileNames.get(s.intakeId) ?? s.intakeId,
              status: t(`st_${s.status}` as Key),
            }),
          );
        }
        known.current.set(s.intakeId, s.status);
      }
      setList(page.items);
      if (!older.length) setCursor(page.next);
    } catch (e) {
      setListError(e);
    }
  };
  const loadOlder = async () => {
    if (!cursor) return;
    try {
      const page = await api.json<Page<PublicStatus>>(
        'GET',
        `/v1/extracts?limit=${PAGE}&next=${encodeURIComponent(cursor)}`,
      );
      setOlder((o) => [...o, ...page.items]);
      setCursor(page.next);
    } catch (e) {
      setListError(e);
    }
  };
  // The newest page is polled; older pages are fetched on request (the cursor is a position, so
  // an item may show up twice while new uploads arrive: keep the first).
  const seen = new Set<string>();
  const rows = [...(list ?? []), ...older].filter((s) => !seen.has(s.intakeId) && seen.add(s.intakeId));
  const busy =
    items.some((i) => i.state === 'waiting' || i.state === 'uploading') ||
    (list ?? []).some((s) => !FINAL.has(s.status) && Date.now() - Date.parse(s.updatedAt) < 15 * 60_000);
  usePolling(refresh, busy ? 1500 : 10_000, [busy]);

  const columns: Column<PublicStatus>[] = [
    { head: t('colReceived'), class: 'nowrap', cell: (s) => dateTime(s.receivedAt) },
    {
      head: t('colFile'),
      cell: (s) => (
        <>
          {fileNames.get(s.intakeId) ? <span class="file-name">{fileNames.get(s.intakeId)}</span> : null}
          <span class="intake-id">{s.intakeId}</span>
        </>
      ),
    },
    {
      head: t('colStatus'),
      cell: (s) => (
        <Badge tone={s.status}>{t(s.paused ? 'st_RECEIVED_PAUSED' : (`st_${s.status}` as Key))}</Badge>
      ),
    },
    { head: t('colRuling'), cell: (s) => s.rulingNumber ?? '—' },
    {
      head: t('colWhat'),
      class: 'reason',
      cell: (s) => (
        <>
          {s.message
            ? msg(s.message)
            : t(s.paused ? 'stHint_RECEIVED_PAUSED' : (`stHint_${s.status}` as Key))}
          {s.code ? <span class="code"> {s.code}</span> : null}
          {DECIDED.has(s.status) ? (
            <>
              {' '}
              <button
                type="button"
                class="link-button"
                aria-label={t('receiptFor', { id: s.intakeId })}
                onClick={() => void downloadReceipt(s.intakeId)}
              >
                {t('receiptDownload')}
              </button>
            </>
          ) : null}
        </>
      ),
    },
  ];

  /** The signed receipt (compact JWS) as a file; 409 (not sealed yet) shows the API's message. */
  const downloadReceipt = async (intakeId: string) => {
    try {
      const r = await api.json<Receipt>('GET', `/v1/intakes/${encodeURIComponent(intakeId)}/receipt`);
      setReceiptError(undefined);
      downloadText(`receipt-${intakeId}.jws`, `${r.receipt}\n`, 'application/jose');
    } catch (e) {
      setReceiptError(e);
    }
  };

  const update = (key: number, patch: Partial<UploadItem>) =>
    setItems((all) => all.map((i) => (i.key === key ? { ...i, ...patch } : i)));

  async function uploadOne(item: UploadItem, file: File): Promise<void> {
    if (!/\.pdf$/i.test(file.name) && file.type !== 'application/pdf') {
      return update(item.key, { state: 'failed', error: t('upNotPdf') });
    }
    if (file.size === 0) return update(item.key, { state: 'failed', error: t('upEmpty') });
    if (file.size > MAX_BYTES) return update(item.key, { state: 'failed', error: t('upTooLarge') });
    update(item.key, { state: 'uploading', progress: 0 });
    try {
      const created = await api.json<CreateUpload>('POST', '/v1/extracts');
      fileNames.set(created.intakeId, file.name);
      known.current.set(created.intakeId, 'AWAITING_UPLOAD');
      update(item.key, { intakeId: created.intakeId });
      await postToS3(created.upload, file, (progress) => update(item.key, { progress }));
      update(item.key, { state: 'done', progress: 1 });
    } catch (e) {
      const reason =
        e instanceof ApiProblem
          ? e.code === 'UPLOAD_REFUSED'
            ? t('upS3', { status: e.status })
            : msg(e.messages)
          : String(e);
      update(item.key, { state: 'failed', error: reason });
    }
  }

  async function addFiles(files: FileList | File[] | null) {
    const chosen = [...(files ?? [])];
    if (!chosen.length) return;
    const added = chosen.map((f): UploadItem => ({
      key: nextKey++,
      name: f.name,
      size: f.size,
      progress: 0,
      state: 'waiting',
    }));
    setItems((all) => [...added, ...all]);
    const queue = added.map((item, i) => ({ item, file: chosen[i]! }));
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await uploadOne(next.item, next.file);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
    await refresh();
  }

  return (
    <>
      <PageTitle>{t('clerkTitle')}</PageTitle>
      <p class="lead">{t('clerkIntro')}</p>

      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void addFiles(e.dataTransfer?.files ?? null);
        }}
      >
        <svg class="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3l5 5h-3v6h-4V8H7zM5 17h14v3H5z" />
        </svg>
        <p class="dropzone-title">{t('dropTitle')}</p>
        <p class="dropzone-or">{t('dropOr')}</p>
        <label class="button button-primary file-button">
          <input
            class="visually-hidden"
            type="file"
            multiple
            accept="application/pdf,.pdf"
            aria-label={t('chooseLabel')}
            onChange={(e) => {
              const input = e.currentTarget as HTMLInputElement;
              void addFiles(input.files ? [...input.files] : null).finally(() => (input.value = ''));
            }}
          />
          {t('choose')}
        </label>
        <p class="hint">PDF · ≤ 10 MiB · ≤ 5 p.</p>
      </div>

      {items.length ? (
        <section aria-labelledby="now-title" class="card">
          <h2 id="now-title">{t('uploadsNow')}</h2>
          <ul class="upload-list">
            {items.map((i) => (
              <li key={i.key} class={`upload upload-${i.state}`} data-file={i.name}>
                <span class="upload-name">{i.name}</span>
                <span class="upload-size">{sizeText(i.size)}</span>
                <progress
                  max={1}
                  value={i.state === 'failed' ? 0 : i.progress}
                  aria-label={`${i.name}: ${Math.round(i.progress * 100)}%`}
                />
                <span class="upload-state">
                  {i.state === 'waiting'
                    ? t('upWaiting')
                    : i.state === 'uploading'
                      ? `${t('upUploading')} ${Math.round(i.progress * 100)}%`
                      : i.state === 'done'
                        ? t('upDone', { id: i.intakeId ?? '' })
                        : t('upFailed', { reason: i.error ?? '' })}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="mine-title">
        <h2 id="mine-title">{t('myUploads')}</h2>
        <p class="muted">{t('myUploadsIntro')}</p>
        <div class="visually-hidden" aria-live="polite">
          {announcement}
        </div>
        <Problem error={listError} />
        <Problem error={receiptError} />
        {/* Nothing until the first answer (older pages are only fetched after it). */}
        {list ? (
          <DataTable
            label={t('myUploads')}
            class="uploads"
            columns={columns}
            rows={rows}
            rowKey={(s) => s.intakeId}
            rowProps={(s) => ({ 'data-intake': s.intakeId, 'data-status': s.status })}
            empty={t('noUploads')}
          />
        ) : null}
        {cursor ? (
          <p>
            <button type="button" onClick={() => void loadOlder()}>
              {t('older')}
            </button>
          </p>
        ) : null}
      </section>
    </>
  );
}
