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
}
