package io.loyaltyengine.core.spi;

import java.util.Optional;

/**
 * Loyalty actions and their counters.
 *
 * <h2>Counters</h2>
 * A counter is keyed by (tenant, participant, campaign reward, month): {@code campaignRewardId} 0 counts the
 * participant's actions toward every reward, {@code month} 0 counts all time, otherwise {@code month} is
 * {@code year * 100 + month} in the campaign's time zone. A counter that was never incremented is 0.
 * {@link #increment} is atomic in the store (a row created if absent, then one conditional {@code count + 1} update
 * returning the new value), so concurrent increments each get a distinct result: that is what makes each goal cycle
 * unlock exactly once.
 */
public interface ActionPort {
  /**
   * Inserts an action.
   *
   * @throws UniqueViolationException with {@link UniqueKey#ACTION_IDEMPOTENCY_KEY} if the tenant has an action with
   *     the same idempotency key
   */
  void insert(ActionRecord action);

  /** Finds the tenant's action with this idempotency key. */
  Optional<ActionRecord> findByIdempotencyKey(long tenantId, String idempotencyKey);

  /** Adds one to a counter and returns its new value. */
  long increment(long tenantId, long campaignId, long participantId, long campaignRewardId, int month);

  /** A counter's value (0 if absent). */
  long count(long tenantId, long participantId, long campaignRewardId, int month);

  /** All actions recorded in a campaign (the sum of its participants' all-time totals). */
  long campaignActions(long tenantId, long campaignId);

  /** Deletes a participant's actions and counters. */
  void deleteAll(long tenantId, long participantId);
}
