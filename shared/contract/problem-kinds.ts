/**
 * The kinds of problem an audit-chain verification reports, as values (the console checks what
 * the API sends against them; the contract's schema enumerates them). Import-free but for types.
 */
import type { ProblemKind } from '../domain/audit-types.js';

export const PROBLEM_KINDS = [
  'ALTERED',
  'REMOVED',
  'INSERTED',
  'REORDERED',
  'BAD_SIGNATURE',
  'CHAIN_BROKEN',
  'CHECKPOINT_MISSING',
] as const satisfies readonly ProblemKind[];
