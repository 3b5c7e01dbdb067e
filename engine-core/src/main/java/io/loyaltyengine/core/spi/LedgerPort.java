package io.loyaltyengine.core.spi;

import io.loyaltyengine.points.LedgerEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Balances and the ledger. Balance changes are single conditional updates in the store; they take the
 * participant's row lock until the end of the transaction, which orders concurrent changes of one participant.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface LedgerPort {
  /**
   * Adds {@code amount} to the balance and to the lifetime points, if and only if neither would exceed
   * {@code Long.MAX_VALUE}, and in the same update advances the participant's event sequence by one for the event
   * that records the change (every balance change is recorded by one event).
   *
   * @return the row after the change and the event's sequence number; empty if the participant does not exist or
   *     a total would overflow (nothing changed then)
   */
  Optional<LockedParticipant> credit(long tenantId, long participantId, long amount);

  /**
   * Subtracts {@code amount} from the balance, if and only if the balance is at least {@code amount}, and advances
   * the participant's event sequence by one as {@link #credit} does.
   *
   * @return the row after the change and the event's sequence number; empty if the participant does not exist or
   *     the balance is too small (nothing changed then)
   */
  Optional<LockedParticipant> debit(long tenantId, long participantId, long amount);

  /**
   * Applies what a batch of operations worked out for each participant: adds the deltas to the balance and the
   * lifetime points and advances the event sequence. The caller holds the rows' locks
   * ({@link ParticipantPort#lockAll}) and has checked every bound against the locked rows, so each row exists and no
   * total leaves its range; a store may send the updates in one batch.
   *
   * @throws IllegalStateException if a participant's row is missing or its balance would go below zero (the caller
   *     did not hold the lock or miscounted; the unit of work must fail)
   */
  void adjustAll(List<BalanceAdjustment> adjustments);

  /**
   * Appends an entry, every field of it (a capped deduction's {@link LedgerEntry#requestedAmount()} too: the reads
   * return it, as they return null for an entry without one).
   *
   * @throws UniqueViolationException with {@link UniqueKey#LEDGER_IDEMPOTENCY_KEY} if the tenant has an entry with
   *     the same idempotency key
   */
  void append(LedgerEntry entry);

  /**
   * As {@link #append} for each entry, in order; a store may send them in one batch. If one violates the key, the
   * unit of work must fail (what was appended before it may or may not be written until then).
   *
   * @throws UniqueViolationException with {@link UniqueKey#LEDGER_IDEMPOTENCY_KEY} as {@link #append}
   */
  default void appendAll(List<LedgerEntry> entries) {
    for (LedgerEntry entry : entries) {
      append(entry);
    }
  }

  /** The tenant's entries with any of these idempotency keys (a bulk request looks its keys up at once). */
  default List<LedgerEntry> findByIdempotencyKeys(long tenantId, Collection<String> idempotencyKeys) {
    List<LedgerEntry> found = new ArrayList<>();
    for (String key : idempotencyKeys) {
      findByIdempotencyKey(tenantId, key).ifPresent(found::add);
    }
    return found;
  }

  /** Finds the tenant's entry with this idempotency key. */
  Optional<LedgerEntry> findByIdempotencyKey(long tenantId, String idempotencyKey);

  /** A participant's entries with id lower than {@code beforeId} (all when null), newest (highest id) first, at most {@code limit}. */
  List<LedgerEntry> history(long tenantId, long participantId, Long beforeId, int limit);

  /** Deletes all of a participant's entries. */
  void deleteAll(long tenantId, long participantId);
}
