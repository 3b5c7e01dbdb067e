package io.loyaltyengine.core.spi;

/**
 * Optional abilities of a storage backend; the contract suite skips, with a reason, tests of abilities a backend lacks.
 * Immutable.
 */
public enum StorageCapability {
  /** Engine operations can join a transaction the host opened ({@link Storage#inHostTransaction}). */
  HOST_TRANSACTIONS,
  /** Several storages (engine instances) can be opened on one database and see each other's commits. */
  SHARED_DATABASE,
  /** Committed state survives the process: a storage reopened on the same database finds it. */
  DURABLE,
  /**
   * Concurrent transactions commit in parallel and the store itself shares one durable flush among the commits that
   * wait together (PostgreSQL's WAL writer). Running operations one after another behind savepoints on one connection
   * would lose that, so on such a store the engine's group commit runs two batches at a time, and combines only the
   * operations that run together in one go without savepoints (awards and deductions); any other runs alone at once,
   * and a batch that cannot run in one go runs each operation alone.
   */
  PARALLEL_COMMITS
}
