package io.loyaltyengine.core.spi;

import io.loyaltyengine.points.LedgerEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Balances and the ledger. Balance changes are single conditional updates in the store; they take the
 * participant's row lock until the end of the transaction, which orders concurrent changes of one participant.
 */
public interface LedgerPort {
  /**
   * Adds {@code amount} to the balance and to the lifetime points, if and only if neither would exceed
   * {@code Long.MAX_VALUE}.
   *
   * @return the row after the change; empty if the participant does not exist or a total would overflow
   */
  Optional<BalanceChange> credit(long tenantId, long participantId, long amount);

  /**
   * Subtracts {@code amount} from the balance, if and only if the balance is at least {@code amount}.
   *
   * @return the row after the change; empty if the participant does not exist or the balance is too small
   */
  Optional<BalanceChange> debit(long tenantId, long participantId, long amount);

  /**
   * Appends an entry.
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
