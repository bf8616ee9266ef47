import register from '../config/institutions.json' with { type: 'json' };
import { matchKey } from './text.js';

export interface Institution {
  readonly code: string;
  readonly name: string;
  readonly aliases: readonly string[];
}

/** The institution register: official names and aliases, matched case-, accent- and whitespace-insensitively. */
export class InstitutionRegister {
  readonly institutions: readonly Institution[];
  private readonly byKey = new Map<string, Institution>();
  private readonly byCode = new Map<string, Institution>();

  constructor(institutions: readonly Institution[]) {
    this.institutions = institutions;
    for (const inst of institutions) {
      this.byCode.set(inst.code, inst);
      for (const label of [inst.name, ...inst.aliases]) {
        const key = matchKey(label);
        const other = this.byKey.get(key);
        if (other && other.code !== inst.code) {
          throw new Error(`institution register: "${label}" names both ${other.code} and ${inst.code}`);
        }
        this.byKey.set(key, inst);
      }
    }
  }

  /** The institution a printed name or alias denotes, if any. */
  match(name: string): Institution | undefined {
    return this.byKey.get(matchKey(name));
  }

  byInstitutionCode(code: string): Institution | undefined {
    return this.byCode.get(code);
  }

  /** Every register label, for finding an institution name inside a longer text. */
  labels(): readonly { key: string; institution: Institution }[] {
    return [...this.byKey.entries()].map(([key, institution]) => ({ key, institution }));
  }
}

/** The register shipped with the product (`shared/config/institutions.json`). */
export const defaultRegister = new InstitutionRegister(register.institutions);
