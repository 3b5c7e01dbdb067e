package io.loyaltyengine.points;

/** Whether a ledger entry added or took away points. Immutable. */
public enum LedgerEntryKind {
  /** Points added; also raises lifetime points. */
  AWARD,
  /** Points taken away. */
  DEDUCT
}
