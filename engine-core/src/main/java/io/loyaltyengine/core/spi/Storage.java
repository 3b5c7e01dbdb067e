package io.loyaltyengine.core.spi;

import io.loyaltyengine.EngineStorage;
import io.loyaltyengine.HostTransaction;
import java.util.Set;

/**
 * A storage backend: runs units of work in transactions. Implementations are thread-safe.
 */
public interface Storage extends EngineStorage {

  /** What this backend can do beyond the basic contract. */
  Set<StorageCapability> capabilities();

  /**
   * Runs {@code work} in a new transaction and commits it. If {@code work} throws, the transaction is rolled back
   * and the exception propagates. Runs the work once: retrying a {@link TransientStorageException} is the engine's
   * business.
   *
   * @throws TransientStorageException if the store failed transiently (the engine may retry)
   * @throws CommitOutcomeUnknownException if the work ran to its end and the commit failed in a way that leaves
   *     unknown whether it committed (the engine never runs the work again)
   * @throws StorageException if the store failed otherwise (nothing was committed)
   */
  <T> T inTransaction(TransactionWork<T> work);

  /**
   * Runs {@code work}, which only reads, in a new transaction, as {@link #inTransaction} does, but at one snapshot:
   * every statement of the work sees the store as it was at its first, so that a transaction that commits between
   * two of them shows in neither (a page and its total, a rank and the scores it comes from agree). The JDBC backend
   * runs it at REPEATABLE READ, READ ONLY on PostgreSQL and at SNAPSHOT on H2; a store that runs every unit of work
   * alone (the in-memory store) has nothing to do. A backend may run it beside the transactions it otherwise runs one
   * at a time: the JDBC backend on H2 runs it outside the turn its engine's transactions take (a read takes no row
   * lock and rolls nothing back), so that a long read, such as the scan that builds a leaderboard index, holds up no
   * write. The default runs it as {@link #inTransaction} does, which is right only for a store whose transactions
   * already read one snapshot; a wrapper delegates.
   *
   * @throws TransientStorageException as {@link #inTransaction}
   * @throws StorageException as {@link #inTransaction}
   */
  default <T> T inReadTransaction(TransactionWork<T> work) {
    return inTransaction(work);
  }

  /**
   * Refuses, without touching the store, a host transaction this backend cannot join. Called when a scope is bound
   * to one ({@code TenantScope.joining}), which documents the refusal there rather than at the scope's first
   * operation. The default refuses every one when this backend lacks {@link StorageCapability#HOST_TRANSACTIONS}; a
   * backend that has it overrides this to refuse the kinds it does not take, and a wrapper delegates.
   *
   * @throws IllegalArgumentException if this backend cannot join this kind of host transaction
   */
  default void checkJoinable(HostTransaction host) {
    if (!capabilities().contains(StorageCapability.HOST_TRANSACTIONS)) {
      throw new IllegalArgumentException(this + " cannot join host transactions");
    }
  }

  /**
   * What stands for the transaction {@code host} is a handle on, for the engine to recognise that transaction through
   * another handle on it: a host may wrap its connection anew for each engine call. The same object for every handle
   * on one open transaction, held by the host as long as that transaction is open (it may stand for later
   * transactions of the host's too: what the engine remembers of a transaction costs those only reads). The default
   * is {@code host} itself; a backend whose hosts can hold several handles on one transaction overrides this, and a
   * wrapper delegates.
   */
  default Object hostTransactionIdentity(HostTransaction host) {
    return host;
  }

  /**
   * Runs {@code work} inside the host's transaction without committing it. If {@code work} throws, what it wrote
   * is undone (to a savepoint) and the host's own work is kept.
   *
   * @throws IllegalArgumentException if this backend cannot join this kind of host transaction
   * @throws StorageException if the store failed
   */
  <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work);
}
