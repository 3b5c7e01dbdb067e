package io.loyaltyengine.core.internal;

import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import java.util.Objects;
import java.util.Set;

/**
 * A unit of work that says, before it runs, which participants' row locks it takes, and which rows it may take that
 * calls on other participants take too. Group commit, running a batch behind savepoints (on a store that runs one
 * batch at a time, as H2), first locks the participants of all the batch's units, in ascending tenant and id order,
 * and only then runs the units one by one; and it puts in one batch only units that share the same rows
 * ({@link #sharedRows()}), beside units that share none. So a batch takes its locks in the order a unit of work
 * alone takes them: participants first, in ascending ids, then the shared rows of one unit, in its order. Taken
 * as they come, a unit would wait for its participant, or for the second of two shared rows, while the batch held
 * rows of the units before it (a catalog reward's stock, a coupon pool, a higher participant id), and a transaction
 * that holds that participant or row and then takes one of those (two shared rows in the other order, say) would
 * wait for the batch: the store fails one side, and a host's transaction, never retried, sees STORAGE_UNAVAILABLE.
 * Every unit of work group commit combines ({@link Transactions#runCombined}) says so.
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
   * The rows this unit of work may lock that calls on other participants lock too, or null if there are none: beyond
   * its participants' own rows (their ledger, their counters) it then locks only rows it inserts. Units of work with
   * equal shared rows lock the same rows in the same order.
   */
  SharedRows sharedRows();

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
    return of(tenantId, participants, null, work);
  }

  /**
   * {@code work}, saying that it locks the participants {@code participants} adds, and may lock {@code sharedRows}.
   *
   * @param tenantId the tenant whose participants {@code work} locks
   * @param sharedRows the rows it may lock that calls on other participants lock too
   * @param participants adds them, as {@link #participants} does
   * @param work the unit of work
   * @param <T> the result type
   * @return the unit of work
   */
  static <T> LocksParticipants<T> sharingRows(long tenantId, SharedRows sharedRows, Named participants,
      TransactionWork<T> work) {
    return of(tenantId, participants, Objects.requireNonNull(sharedRows, "sharedRows"), work);
  }

  private static <T> LocksParticipants<T> of(long tenantId, Named participants, SharedRows sharedRows,
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
      public SharedRows sharedRows() {
        return sharedRows;
      }

      @Override
      public T run(Transaction tx) {
        return work.run(tx);
      }
    };
  }

  /**
   * The rows a unit of work may lock that calls on other participants lock too, named by what leads to them. Equal
   * values name the same rows. Immutable.
   *
   * @param kind what {@code id} names
   * @param tenantId the tenant
   * @param id the catalog reward or campaign reward
   */
  record SharedRows(Kind kind, long tenantId, long id) {
    /** @throws NullPointerException if {@code kind} is null */
    public SharedRows {
      Objects.requireNonNull(kind, "kind");
    }

    /** What a redemption of catalog reward {@code id} takes: that reward's row (its stock). */
    public static SharedRows catalogReward(long tenantId, long id) {
      return new SharedRows(Kind.CATALOG_REWARD, tenantId, id);
    }

    /**
     * What a loyalty action toward campaign reward {@code id} takes, should it unlock a coupon (for its participant,
     * or a two-way reward for an invited one, of the same campaign): that campaign's coupon pool, the campaign's row
     * and the pool's codes in ascending order.
     */
    public static SharedRows campaignReward(long tenantId, long id) {
      return new SharedRows(Kind.CAMPAIGN_REWARD, tenantId, id);
    }

    /** What a {@link SharedRows}' id names. Immutable. */
    public enum Kind {
      /** A catalog reward. */
      CATALOG_REWARD,
      /** A campaign reward. */
      CAMPAIGN_REWARD
    }
  }

  /**
   * What {@link #participants} does, for {@link #ownRowsOnly} and {@link #sharingRows}. Called only on the thread
   * running the batch's transaction; implementations need not be thread-safe.
   */
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
