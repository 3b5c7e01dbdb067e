package io.loyaltyengine.points;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.participant.ParticipantRef;

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
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field (also on {@code amount} when the
   *     balance or lifetime total would overflow); NOT_FOUND; CONFLICT on {@code idempotencyKey} reused with
   *     different parameters
   */
  PointsResult award(ParticipantRef participant, PointsChange change);

  /**
   * Deducts points.
   *
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND; INSUFFICIENT_POINTS if
   *     the balance is smaller than the amount; CONFLICT on {@code idempotencyKey} reused with different parameters
   */
  PointsResult deduct(ParticipantRef participant, PointsChange change);

  /**
   * A participant's ledger, newest first, a keyset page at a time.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if there is no such participant
   */
  CursorPage<LedgerEntry> history(ParticipantRef participant, Keyset page);
}
