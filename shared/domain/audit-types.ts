/** What an audit-chain verification reports (imports nothing: the console reads these types too). */
export type ProblemKind =
  'ALTERED' | 'REMOVED' | 'INSERTED' | 'REORDERED' | 'BAD_SIGNATURE' | 'CHAIN_BROKEN' | 'CHECKPOINT_MISSING';

export interface ChainProblem {
  readonly kind: ProblemKind;
  readonly recordId?: string;
  /** Sequence of the checkpoint concerned (for a record: the checkpoint that lists it or would). */
  readonly checkpoint?: number;
  readonly detail: string;
}

export interface ChainVerification {
  /** No problem in the reported range. */
  readonly ok: boolean;
  /** Sealed records compared with the table (in the reported range). */
  readonly checkedRecords: number;
  readonly checkedCheckpoints: number;
  /** Records newer than the chain's cutoff (and sealedUpTo − grace): not sealed yet, not a problem. */
  readonly pending: number;
  /** In chain order. */
  readonly problems: ChainProblem[];
  /** The earliest problem in chain order, or null. */
  readonly firstProblem: ChainProblem | null;
  /** Problems found outside from/to (the chain is always checked in full; these are only not listed). */
  readonly problemsOutsideRange: number;
  /** The last checkpoint's sequence and cutoff (null without checkpoints). */
  readonly latestSequence: number | null;
  readonly sealedUpTo: string | null;
  /** Sealed records past their retention that expired by TTL (not a problem; not REMOVED). */
  readonly expired: number;
  /** Set by the incremental verification: what was checked beyond the last verified head. */
  readonly incremental?: IncrementalScope;
}

/** The part of the log an incremental verification checked, and how it links to the verified head. */
export interface IncrementalScope {
  /** The verified head it started from (null: none stored yet, so from the start). */
  readonly fromHead: { readonly sequence: number; readonly size: number; readonly root: string } | null;
  /** The newest signed head it checked up to (null: no checkpoint). */
  readonly toHead: { readonly sequence: number; readonly size: number; readonly root: string } | null;
  /** RFC 9162 consistency proof from `fromHead`'s tree to `toHead`'s (empty when equal or none). */
  readonly consistencyProof: readonly string[];
  /** Checkpoints read after the verified head, and in the from/to window. */
  readonly newCheckpoints: number;
  readonly windowCheckpoints: number;
}
