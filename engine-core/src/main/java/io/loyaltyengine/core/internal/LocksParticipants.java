package io.loyaltyengine.core.internal;

import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import java.util.Objects;
import java.util.Set;

/**
 * A unit of work that says, before it runs, which participants' row locks it takes. Group commit, running a batch
 * behind savepoints (on a store that runs one batch at a time, as H2), first locks the participants of all the
 * batch's units that say so, in ascending tenant and id order, and only then runs the units one by one. Taken as
 * they come, a unit would wait for its participant while the batch held rows of the units before it (a catalog
 * reward's stock, a coupon pool, a higher participant id), and a transaction that holds the participant and then
 * takes one of those rows, in the engine's order (participants first, in ascending ids, then the rest), would wait
 * for the batch: the store fails one side, and a host's transaction, never retried, sees STORAGE_UNAVAILABLE. Every
 * unit of work group commit combines ({@link Transactions#runCombined}) says so.
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
   * {@code work}, saying that it locks the participants {@code participants} adds.
   *
   * @param tenantId the tenant whose participants {@code work} locks
   * @param participants adds them, as {@link #participants} does
   * @param work the unit of work
   * @param <T> the result type
   * @return the unit of work
   */
  static <T> LocksParticipants<T> of(long tenantId, Named participants, TransactionWork<T> work) {
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
      public T run(Transaction tx) {
        return work.run(tx);
      }
    };
  }

  /** What {@link #participants} does, for {@link #of}. */
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
