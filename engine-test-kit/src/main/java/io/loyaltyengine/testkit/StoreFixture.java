package io.loyaltyengine.testkit;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import java.util.Optional;
import java.util.Set;

/**
 * One fresh, empty database of some storage backend, for one test. The storage contract suite asks a backend for
 * a fixture per test and closes it afterwards.
 *
 * <p>Implementations need not be thread-safe, but the storages they open must be.
 */
public interface StoreFixture extends AutoCloseable {

  /**
   * Opens a new storage on this fixture's database. Each call returns a separate storage (its own pool), as a
   * separate engine instance would have; all of them see the same data. The caller (through the engine) closes it.
   */
  Storage openStorage();

  /** What the backend can do; tests of other abilities are skipped with a reason. */
  Set<StorageCapability> capabilities();

  /** Host transactions on this database, when the backend has {@link StorageCapability#HOST_TRANSACTIONS}. */
  default Optional<HostTransactions> hostTransactions() {
    return Optional.empty();
  }

  /** Drops the database and releases its resources. */
  @Override
  void close();

  /**
   * Begins host transactions, and runs a host's own SQL in them, for the host-transaction contract tests.
   * Thread-safe: racing tests begin host transactions from several threads.
   */
  interface HostTransactions {
    /** Begins a host transaction on a new connection with auto-commit off. */
    HostTx begin();

    /** Counts the rows of the host's own table (created on first use) that the contract tests write. */
    long countHostOrders();
  }

  /** A host transaction in progress. Not thread-safe: used on one thread at a time, as a JDBC connection is. */
  interface HostTx extends AutoCloseable {
    /** The handle engine operations join. */
    HostTransaction transaction();

    /** Writes one row into the host's own {@code host_order} table in this transaction. */
    void insertHostOrder(String orderId);

    /** Commits. */
    void commit();

    /** Rolls back. */
    void rollback();

    /** Closes the connection (rolling back anything uncommitted). */
    @Override
    void close();
  }
}
