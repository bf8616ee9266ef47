/**
 * csv-parse and csv-stringify (their browser builds), loaded on first use: they are a separate
 * chunk, so the console's main bundle stays small for the many who never read or write a CSV.
 * The dialect is shared/contract/csv.ts, the same as the server's and the CLI's.
 */
export const csvParse = async () => (await import('csv-parse/browser/esm/sync')).parse;
export const csvStringify = async () => (await import('csv-stringify/browser/esm/sync')).stringify;
