package io.loyaltyengine.core.internal;

import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import java.util.Objects;
import java.util.Set;

/**
 * A unit of work that says, before it runs, which participants' row locks it takes, and whether it also takes rows
 * that calls on other participants take too. Group commit, running a batch behind savepoints (on a store that runs
 * one batch at a time, as H2), first locks the participants of all the batch's units, in ascending tenant and id
 * order, and only then runs the units one by one; and it puts in one batch at most one unit that
 * {@linkplain #sharesRows() shares rows}. Either way a batch takes its locks in the order a unit of work alone takes
 * them: participants first, in ascending ids, then the rows of one unit. Taken as they come, a unit would wait for
 * its participant, or for the second of two shared rows, while the batch held rows of the units before it (a catalog
 * reward's stock, a coupon pool, a higher participant id), and a transaction that holds that participant or row and
 * then takes one of those (two shared rows in the other order, say) would wait for the batch: the store fails one
 * side, and a host's transaction, never retried, sees STORAGE_UNAVAILABLE. Every unit of work group commit combines
 * ({@link Transactions#runCombined}) says so.
 *
 * <p>Implementations are thread-safe.
 *
 * @param <T> the result type
 */
public interface LocksParticipants<T> extends TransactionWork<T> {
  /** The tenant whose participants this unit of work locks. */
  long tenantId();

  /**
   * Adds to {@code ids} the participants this unit of work will lock, reading in {@code tx} those it names by email.
   * Leaves out one it cannot find: the unit refuses it when it runs, or creates it (a new row, which no other
   * transaction holds). May add one the unit will not lock in the end (an id of another campaign, which it refuses):
   * the lock is then held to the end of the transaction for nothing.
   *
   * @param tx the batch's transaction, before any unit of it ran
   * @param ids where to add the participants' ids
   */
  void participants(Transaction tx, Set<Long> ids);

  /**
   * Whether this unit of work may lock a row that calls on other participants lock too: a catalog reward (its
   * stock), a coupon pool (its campaign's row and its codes). Rows of its participants' own (their ledger, their
   * counters) and rows it inserts do not count.
   */
  boolean sharesRows();

  /**
   * {@code work}, saying that it locks the participants {@code participants} adds and, beyond their own rows, only
   * rows it inserts.
   *
   * @param tenantId the tenant whose participants {@code work} locks
   * @param participants adds them, as {@link #participants} does
   * @param work the unit of work
   * @param <T> the result type
   * @return the unit of work
   */
  static <T> LocksParticipants<T> ownRowsOnly(long tenantId, Named participants, TransactionWork<T> work) {
    return of(tenantId, participants, false, work);
  }

  /**
   * {@code work}, saying that it locks the participants {@code participants} adds, and may lock rows that calls on
   * other participants lock too ({@link #sharesRows()}).
   *
   * @param tenantId the tenant whose participants {@code work} locks
   * @param participants adds them, as {@link #participants} does
   * @param work the unit of work
   * @param <T> the result type
   * @return the unit of work
   */
  static <T> LocksParticipants<T> sharingRows(long tenantId, Named participants, TransactionWork<T> work) {
    return of(tenantId, participants, true, work);
  }

  private static <T> LocksParticipants<T> of(long tenantId, Named participants, boolean sharesRows,
      TransactionWork<T> work) {
    Objects.requireNonNull(participants, "participants");
    Objects.requireNonNull(work, "work");
    return new LocksParticipants<>() {
      @Override
      public long tenantId() {
        return tenantId;
      }

      @Override
      public void participants(Transaction tx, Set<Long> ids) {
        participants.addTo(tx, ids);
      }

      @Override
      public boolean sharesRows() {
        return sharesRows;
      }

      @Override
      public T run(Transaction tx) {
        return work.run(tx);
      }
    };
  }

  /** What {@link #participants} does, for {@link #ownRowsOnly} and {@link #sharingRows}. */
  @FunctionalInterface
  interface Named {
    /**
     * Adds the participants' ids to {@code ids}.
     *
     * @param tx the batch's transaction
     * @param ids where to add them
     */
    void addTo(Transaction tx, Set<Long> ids);
  }
}
