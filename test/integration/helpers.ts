/** Shared set-up for integration tests: a local stack on free ports in a temp folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.js';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { extractKey } from '../../shared/config/resources.js';
import { newIntakeId } from '../../shared/domain/ledger.js';
import type { IntakeStatus } from '../../shared/ports/index.js';

export async function withStack(
  options: Omit<LocalStackOptions, 'dataDir'> = {},
): Promise<LocalStack & { dataDir: string; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ruling-intake-it-'));
  const stack = await startLocalStack({
    retryDelayMs: 20,
    pauseCheckIntervalMs: 50,
    publish: false,
    ...options,
    dataDir,
  });
  return {
    ...stack,
    dataDir,
    async dispose() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A one-page PDF holding the given text lines (a plain producer; the fixtures cover the quirky ones). */
export async function pdfFromText(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(new Date('2024-03-14T00:00:00Z'));
  doc.setModificationDate(new Date('2024-03-14T00:00:00Z'));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  let y = 800;
  for (const line of text.split('\n')) {
    if (line.trim()) page.drawText(line, { x: 50, y, size: 10, font });
    y -= 14;
  }
  return doc.save();
}

/** Uploads as the API and CLI do: status AWAITING_UPLOAD (`createUpload`), then the object. Returns the intake id. */
export async function upload(bytes: Uint8Array, uploader = 'griffie-test'): Promise<string> {
  const deps = await intakeDeps();
  const intakeId = newIntakeId();
  const key = extractKey(uploader, intakeId);
  const now = new Date().toISOString();
  await deps.statuses.received({
    intakeId,
    uploader,
    key,
    receivedAt: now,
    updatedAt: now,
    status: 'AWAITING_UPLOAD',
  });
  await deps.extracts.put(key, bytes);
  return intakeId;
}

/** The student's balance as the ledger holds it, or undefined for an unknown number. */
export async function balanceOf(rrn: string): Promise<number | undefined> {
  const deps = await intakeDeps();
  const s = await deps.ledger.getStudent(await deps.keys.mac('pseudonym', rrn));
  return s?.balance;
}

/** Whether any version of an uploaded extract is still in the bucket. */
export async function extractExists(intakeId: string, uploader = 'griffie-test'): Promise<boolean> {
  return (await intakeDeps()).extracts.exists(extractKey(uploader, intakeId));
}

/**
 * Keeps a copy of everything this process writes to stdout and stderr from now on (the
 * Powertools logger, the queue, the local HTTP server), to check it for personal data.
 */
export function captureOutput(): { text(): string } {
  const written: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  }
  return { text: () => written.join('') };
}

export async function waitForStatus(intakeId: string, timeoutMs = 30_000): Promise<IntakeStatus> {
  const deps = await intakeDeps();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await deps.statuses.get(intakeId);
    if (s && s.status !== 'RECEIVED' && s.status !== 'AWAITING_UPLOAD' && s.extractDeleted !== false)
      return s;
    if (Date.now() > deadline)
      throw new Error(`intake ${intakeId} not final after ${timeoutMs} ms: ${s?.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A valid national number built from its parts (independent of the code under test). */
export function nationalNumber(yymmdd: string, seq: number, bornFrom2000 = false): string {
  const nine = `${yymmdd}${String(seq).padStart(3, '0')}`;
  const check = 97 - Number(BigInt(bornFrom2000 ? `2${nine}` : nine) % 97n);
  return nine + String(check).padStart(2, '0');
}

/** The example extract of the format, with overridable fields. */
export function extractText(
  o: {
    ruling?: string;
    rrn?: string;
    surname?: string;
    givenNames?: string;
    decision?: string;
    lines?: { year: string; inst: string; prog: string; req: number; ret: number }[];
  } = {},
): string {
  const lines = o.lines ?? [
    {
      year: '2022-2023',
      inst: 'Universiteit Gent',
      prog: 'Bachelor of Science in de informatica',
      req: 27,
      ret: 27,
    },
    {
      year: '2023-2024',
      inst: 'Universiteit Gent',
      prog: 'Bachelor of Science in de informatica',
      req: 15,
      ret: 12,
    },
  ];
  return [
    'Raad voor betwistingen inzake studievoortgangsbeslissingen',
    'UITTREKSEL UIT HET ARREST',
    `Arrest nr.: ${o.ruling ?? '9.412'}`,
    'Rolnummer: 2024/0815',
    'Datum van het arrest: 12 maart 2024',
    `Beslissing: ${o.decision ?? 'het beroep tot aanpassing van het leerkrediet wordt ingewilligd'}`,
    'Verzoekende partij',
    `Naam: ${o.surname ?? 'Van den Broeck'}`,
    `Voornamen: ${o.givenNames ?? 'Anna Maria'}`,
    'Adres: Kerkstraat 12 bus 3, 9000 Gent',
    `Rijksregisternummer: ${o.rrn ?? '85.07.30-033.28'}`,
    'Aanpassing leerkrediet',
    ...lines.flatMap((l) => [
      `Academiejaar: ${l.year}`,
      `Instelling: ${l.inst}`,
      `Opleiding: ${l.prog}`,
      `Studiepunten teruggevraagd: ${l.req}`,
      `Studiepunten teruggegeven: ${l.ret}`,
    ]),
    'Voor eensluidend uittreksel, de griffier',
  ].join('\n');
}
