package io.loyaltyengine.core.spi;

/** Optional abilities of a storage backend; the contract suite skips, with a reason, tests of abilities a backend lacks. */
public enum StorageCapability {
  /** Engine operations can join a transaction the host opened ({@link Storage#inHostTransaction}). */
  HOST_TRANSACTIONS,
  /** Several storages (engine instances) can be opened on one database and see each other's commits. */
  SHARED_DATABASE,
  /** Committed state survives the process: a storage reopened on the same database finds it. */
  DURABLE
}
