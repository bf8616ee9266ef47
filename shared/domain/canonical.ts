/**
 * Canonical JSON and SHA-256, defined once: the audit chain hashes and signs records and
 * checkpoints with them, the ledger hashes a ruling's content with them (what makes two uploads
 * the same ruling), the extract keys hash odd uploader names with them.
 *
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, members whose value is
 * `undefined` (or a function or symbol) left out, `undefined` in an array written as `null`; a
 * non-finite number, a bigint, bytes, a set and a date get a tagged form, so no two different
 * values write the same text.
 */
import { createHash } from 'node:crypto';

function canonicalValue(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify({ $number: String(value) });
    case 'bigint':
      return JSON.stringify({ $bigint: value.toString() });
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalValue(v) ?? 'null').join(',')}]`;
  if (value instanceof Uint8Array) return canonicalValue({ $binary: Buffer.from(value).toString('base64') });
  if (value instanceof Set) {
    const members = [...value].map((v) => canonicalValue(v) ?? 'null').sort();
    return `{"$set":[${members.join(',')}]}`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = canonicalValue(obj[key]);
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
  }
  return `{${parts.join(',')}}`;
}

/** Canonical JSON (sorted keys, no whitespace); see the module comment. */
export function canonicalJson(value: unknown): string {
  return canonicalValue(value) ?? 'null';
}

/** The UTF-8 bytes of the canonical JSON: what a signature covers. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

/** SHA-256 of the parts one after another (strings as UTF-8). */
export function sha256(...parts: readonly (string | Uint8Array)[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** SHA-256 as lowercase hex. */
export function sha256Hex(...parts: readonly (string | Uint8Array)[]): string {
  return Buffer.from(sha256(...parts)).toString('hex');
}

/** SHA-256 (hex) of a value's canonical JSON: equal content, equal hash. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
