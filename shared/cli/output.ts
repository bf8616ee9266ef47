/** What every command writes: text for people, or JSON with `--json`. */
import type { PublicStatus } from '../contract/api.js';

export type Lang = 'nl' | 'en';
export type Out = { json?: boolean };

export const print = (text: string): void => void process.stdout.write(`${text}\n`);
export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

/**
 * Exit codes (README, "Exit codes"): 0 done; 1 failure (the stack is not running, the network,
 * a server error); 2 refused input (a bad argument, a file that is not a PDF, a 4xx answer, a
 * rejected parse); 3 `upload --wait` gave up waiting (intake paused?); 4 an import refused lines;
 * 5 `upload --wait`: at least one extract was rejected or held (`audit verify`: the trail is broken;
 * `receipt verify`: the receipt does not verify). `receipt` gives 3 while the extract is not final
 * or its decision not yet sealed.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  refused: 2,
  notProcessed: 3,
  importRefused: 4,
  notApplied: 5,
} as const;

/** A status as one line; RECEIVED while intake is paused says so. */
export function statusLine(s: PublicStatus, lang: Lang): string {
  const msg = s.message
    ? ` — ${s.message[lang]}`
    : s.status === 'RECEIVED' && s.paused
      ? lang === 'nl'
        ? ' — Wacht: de inname is gepauzeerd'
        : ' — Waiting: intake is paused'
      : '';
  return `${s.intakeId}  ${s.status.padEnd(9)} ${(s.code ?? '').padEnd(21)} ${s.receivedAt}${msg}`;
}
