package io.loyaltyengine.core.spi;

/** Optional abilities of a storage backend; the contract suite skips, with a reason, tests of abilities a backend lacks. */
public enum StorageCapability {
  /** Engine operations can join a transaction the host opened ({@link Storage#inHostTransaction}). */
  HOST_TRANSACTIONS,
  /** Several storages (engine instances) can be opened on one database and see each other's commits. */
  SHARED_DATABASE,
  /** Committed state survives the process: a storage reopened on the same database finds it. */
  DURABLE,
  /**
   * Concurrent transactions commit in parallel and the store itself shares one durable flush among the commits that
   * wait together (PostgreSQL's WAL writer). Combining operations in the engine (group commit) would only run them
   * one after another on one connection, so by default the engine does not, on such a store.
   */
  PARALLEL_COMMITS
}
