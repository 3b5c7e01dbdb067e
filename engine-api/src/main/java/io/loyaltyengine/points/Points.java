package io.loyaltyengine.points;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.participant.ParticipantRef;
import java.util.List;
import java.util.Optional;

/**
 * Points of one tenant's participants: the ledger. Thread-safe (see {@link io.loyaltyengine.TenantScope} for host
 * transactions).
 *
 * <h2>Guarantees</h2>
 * Each award or deduction appends one {@link LedgerEntry} and changes the balance in one transaction, with a
 * conditional update in the database: concurrent calls on one participant (from any number of threads or engine
 * instances) never lose an update, and a balance never goes below zero nor past {@code Long.MAX_VALUE}.
 * A participant's balance always equals the sum of its ledger; lifetime points are the sum of its awards.
 */
public interface Points {

  /**
   * Awards points.
   *
   * @param participant who gets the points
   * @param change the amount, type, description and key
   * @return the entry and the new balance
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field (also on {@code amount} when the
   *     balance or lifetime total would overflow); NOT_FOUND; CONFLICT on {@code idempotencyKey} reused with
   *     different parameters
   */
  PointsResult award(ParticipantRef participant, PointsChange change);

  /**
   * Deducts points.
   *
   * @param participant whose points
   * @param change the amount, type, description and key
   * @return the entry and the new balance
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND; INSUFFICIENT_POINTS if
   *     the balance is smaller than the amount; CONFLICT on {@code idempotencyKey} reused with different parameters
   */
  PointsResult deduct(ParticipantRef participant, PointsChange change);

  /**
   * Deducts up to {@code change.amount()}: the whole amount if the balance has it, else the whole balance (a refund
   * that finds the points already spent takes back what is left, never more). The balance is read under the
   * participant's row lock, so the amount taken is exact under concurrency. The entry written records the amount
   * actually taken ({@link LedgerEntry#amount()}) and the amount asked for ({@link LedgerEntry#requestedAmount()}), and
   * so does its {@code points.deducted} event ({@code entry.amount}, {@code entry.requestedAmount}). A retry with the
   * idempotency key replays the first result only when it asks for the same amount; a plain {@link #deduct} with the
   * key of a capped deduction, or a capped deduction with the key of a plain one, is a CONFLICT, whatever the amounts.
   * With a zero balance nothing is written: the result has no entry ({@code entry() == null}, {@code balance() == 0})
   * and the idempotency key is not used up.
   *
   * @param participant whose points
   * @param change the most to deduct, its type, description and key
   * @return the entry and the new balance
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND; CONFLICT on
   *     {@code idempotencyKey} reused with different parameters
   */
  PointsResult deductUpToBalance(ParticipantRef participant, PointsChange change);

  /**
   * Applies many changes in order, for imports and other bulk work: at most {@value #MAX_BULK_OPERATIONS} per call.
   * Each operation gets its own outcome, at the same index, with the result or error the single call would give;
   * one failing operation never fails another, and operations on one participant apply in list order.
   *
   * <p>The engine applies them in as few transactions as it can (a chunk of operations per commit), so this is much
   * faster than one call per change. It is not atomic as a whole: if the process dies part way, a prefix of the chunks
   * is durable. Give each operation an idempotency key and a rerun of the whole list changes nothing twice, with one
   * exception: a deduction capped at the balance that found nothing to take wrote nothing, its key unused ({@link
   * #deductUpToBalance}), so in a rerun it takes from what later operations of the first run awarded; an importer that
   * must not do so records such outcomes itself. An operation's outcome may be a STORAGE_UNAVAILABLE saying its chunk's
   * commit outcome is unknown (the connection failed during the commit): that operation may have applied, and as for a
   * single call, a retry with its idempotency key tells which; an operation refused in that chunk keeps its own error
   * and changed nothing. Inside a host's transaction all of it is part of the host's transaction; there a deadlock (or
   * another failure a transaction of the engine's own would be run again after) fails the whole call with
   * STORAGE_UNAVAILABLE, as it fails a single call: on H2 a deadlock's victim may be rolled back whole, or keep its
   * locks in a transaction that can no longer commit, so roll back and run yours again.
   *
   * @param operations the changes, in order
   * @return one outcome per operation, in order
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code operations} if the list is null, holds a
   *     null or has more than {@value #MAX_BULK_OPERATIONS} operations (then nothing is applied); STORAGE_UNAVAILABLE
   *     if the storage failed (the outcomes of chunks committed before are lost to the caller, not undone)
   */
  List<PointsOutcome> applyAll(List<PointsOperation> operations);

  /** The most operations one {@link #applyAll} call takes. */
  int MAX_BULK_OPERATIONS = 10_000;

  /**
   * A participant's ledger, newest first, a keyset page at a time. Newest means highest id: for entries that
   * engine instances sharing a database wrote close together (within a millisecond, or more when their clocks
   * differ) that may differ from the order they applied in, which {@link LedgerEntry#balanceAfter()} tells (see
   * {@link LedgerEntry#id()}).
   *
   * @param participant the participant
   * @param page which page
   * @return the page of ledger entries
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if there is no such participant
   */
  CursorPage<LedgerEntry> history(ParticipantRef participant, Keyset page);

  /**
   * The ledger entry a keyed change wrote, found by its idempotency key among the tenant's (keys are the tenant's,
   * compared exactly): what an order earned, for a refund handler that has only the order id, or whether a change
   * whose answer was lost was applied. Also finds the engine's own keys ({@code reward:<id>},
   * {@code redemption:<your key>}, ...). Empty for a key no entry holds: never used, used by a capped deduction
   * that took nothing (a zero balance writes no entry), or held by a deleted participant (its ledger went with it).
   *
   * @param idempotencyKey the key (1..128 printable ASCII characters without spaces; after {@code redemption:}, as
   *     many again)
   * @return the entry, or empty
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code idempotencyKey} (null or malformed)
   */
  Optional<LedgerEntry> findByIdempotencyKey(String idempotencyKey);
}
