package io.loyaltyengine.benchmarks;

/**
 * The store a storage benchmark runs on, the {@code store} parameter of {@link StoreState}. The engine and its raw
 * baseline always run on the same kind of store, each on a database of its own. Immutable.
 */
public enum StoreKind {
  /**
   * The engine on the test kit's in-memory store; the baseline is plain Java (maps and lists under a lock per
   * participant). Nothing is durable: these figures are the engine's own CPU cost.
   */
  IN_MEMORY("in-memory (test kit); baseline plain Java maps"),
  /**
   * An H2 file database with {@code WRITE_DELAY=0}: every commit is written to the file before it returns (H2 does
   * not fsync it, so it survives a killed process, not a power cut). The engine's file and the baseline's file lie
   * side by side in one temporary directory.
   */
  H2("H2 file, WRITE_DELAY=0 (each commit written to the file before it returns; H2 does not fsync it)"),
  /**
   * PostgreSQL, embedded (zonky), one server per trial, started with {@code fsync=on}, {@code synchronous_commit=on}
   * and {@code full_page_writes=on}, checked before the trial starts; the engine and the baseline use two
   * databases of that server.
   */
  POSTGRES("PostgreSQL embedded (zonky), fsync=on, synchronous_commit=on, full_page_writes=on");

  private final String durability;

  StoreKind(String durability) {
    this.durability = durability;
  }

  /** How durable a commit is on this store, for reports. */
  public String durability() {
    return durability;
  }
}
