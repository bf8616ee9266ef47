/**
 * `ruling-intake parse`: the only command that loads the PDF reader (pdf.js in a worker thread).
 */
import { readFile } from 'node:fs/promises';
import type { ExtractHeldError, ExtractRejectedError } from '../domain/errors.js';
import { parseExtract } from '../adapters/pdf/pdfjs-reader.js';
import type { Extract } from '../domain/types.js';
import { EXIT, print, printJson, type Out } from './output.js';

/** The parse contract: the extract as read, without the address (never kept). */
function publicExtract(e: Extract) {
  return {
    rulingNumber: e.rulingNumber,
    docket: e.docket,
    rulingDate: e.rulingDate,
    decision: e.decision,
    surname: e.surname,
    givenNames: e.givenNames,
    nationalNumber: e.nationalNumber,
    lines: e.lines,
  };
}

export async function cmdParse(file: string, opts: Out): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    const error = {
      ok: false,
      code: 'FILE_NOT_READABLE',
      field: 'file',
      message: { nl: `Kan ${file} niet lezen.`, en: `Cannot read ${file}.` },
    };
    if (opts.json) printJson(error);
    else process.stderr.write(`${error.message.en}\n`);
    return EXIT.refused;
  }
  const result = await parseExtract(bytes);
  if (result.ok) {
    if (opts.json) printJson({ ok: true, extract: publicExtract(result.extract) });
    else {
      const e = result.extract;
      print(`accepted: ruling ${e.rulingNumber} (${e.docket}) of ${e.rulingDate}`);
      print(`student:  ${e.surname}, ${e.givenNames} — ${e.nationalNumber}`);
      for (const l of e.lines)
        print(
          `  ${l.academicYear} ${l.institution.padEnd(10)} ${String(l.returned).padStart(3)}/${String(l.requested).padEnd(3)} ${l.programme}`,
        );
    }
    return EXIT.ok;
  }
  const err: ExtractRejectedError | ExtractHeldError = result.error;
  const body = { ok: false, code: err.code, field: err.field ?? 'file', message: err.messages };
  if (opts.json) printJson(body);
  else
    print(
      `rejected: ${err.code}${err.field ? ` (${err.field})` : ''}\n  nl: ${err.messages.nl}\n  en: ${err.messages.en}`,
    );
  return EXIT.refused;
}
