package io.loyaltyengine.core.spi;

import io.loyaltyengine.rewards.ActionCounts;
import java.time.Instant;
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
 * unlock exactly once. Each change stamps the counter with the time it is given, never moving it back (the later of
 * the two), as points counters are: leaderboard catch-ups read counters changed since a time of the engine's clock,
 * so the stamp must come from that clock, not the database's.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
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

  /**
   * Adds one to a counter, stamps it with {@code at} unless it holds a later time, and returns its new value.
   *
   * @param at the time of the change, by the engine's clock; not null (the SQL column is NOT NULL)
   */
  long increment(long tenantId, long campaignId, long participantId, long campaignRewardId, int month, Instant at);

  /**
   * Adds one to the four counters one recorded action counts toward and returns their new values: the participant's
   * all-time and {@code month} totals (campaign reward 0), then {@code campaignRewardId}'s all-time and {@code month}
   * counts, changed in that order (so that two actions of one participant take the rows' locks in the same order).
   * Each is atomic as {@link #increment}. It also reads, without changing it, the participant's total of
   * {@code previousMonth}, which the action reports beside the others. A store may do all of it in one statement; by
   * default it is four {@link #increment} calls and a {@link #count}.
   *
   * @param campaignRewardId the campaign reward, not 0
   * @param month the month ({@code year * 100 + month}), not 0
   * @param previousMonth the month before {@code month}, whose total is read
   * @param at the time of the change, by the engine's clock; not null
   * @throws IllegalArgumentException if {@code campaignRewardId} or {@code month} is 0 (the four would not be four),
   *     or {@code previousMonth} is 0 or {@code month} itself
   */
  default ActionIncrements incrementForAction(long tenantId, long campaignId, long participantId,
      long campaignRewardId, int month, int previousMonth, Instant at) {
    ActionIncrements.requireFour(campaignRewardId, month, previousMonth);
    return new ActionIncrements(increment(tenantId, campaignId, participantId, 0, 0, at),
        increment(tenantId, campaignId, participantId, 0, month, at),
        increment(tenantId, campaignId, participantId, campaignRewardId, 0, at),
        increment(tenantId, campaignId, participantId, campaignRewardId, month, at),
        count(tenantId, participantId, 0, previousMonth));
  }

  /**
   * The new values of the four counters of one recorded action ({@link #incrementForAction}), and the participant's
   * total of the month before, read beside them. Immutable.
   *
   * @param allTime the participant's all-time total
   * @param allMonth the participant's total of the month
   * @param rewardAllTime the campaign reward's all-time count
   * @param rewardMonth the campaign reward's count of the month
   * @param previousMonth the participant's total of the month before (read, not changed)
   */
  record ActionIncrements(long allTime, long allMonth, long rewardAllTime, long rewardMonth, long previousMonth) {
    /**
     * Checks that the four counters are distinct and that the month read is another one.
     *
     * @throws IllegalArgumentException if {@code campaignRewardId}, {@code month} or {@code previousMonth} is 0, or
     *     {@code previousMonth} is {@code month}
     */
    public static void requireFour(long campaignRewardId, int month, int previousMonth) {
      if (campaignRewardId == 0 || month == 0 || previousMonth == 0 || previousMonth == month) {
        throw new IllegalArgumentException("campaignRewardId, month and previousMonth must not be 0, and the months"
            + " must differ, but were " + campaignRewardId + ", " + month + " and " + previousMonth);
      }
    }
  }

  /** A counter's value (0 if absent). */
  long count(long tenantId, long participantId, long campaignRewardId, int month);

  /**
   * A participant's counts as one reading: its all-time, {@code month} and {@code previousMonth} totals, and
   * {@code campaignRewardId}'s all-time and {@code month} counts (the totals again when it is 0), all as of one point
   * in time, so that an action committed meanwhile is in all of them or in none (never more actions in a month, or
   * toward a reward, than all time). A store reads them in one statement; the default reads them one by one, which
   * only a store whose transactions see no other's commits may keep.
   */
  default ActionCounts counts(long tenantId, long participantId, long campaignRewardId,
      int month, int previousMonth) {
    return new ActionCounts(count(tenantId, participantId, 0, 0),
        count(tenantId, participantId, 0, month), count(tenantId, participantId, 0, previousMonth),
        count(tenantId, participantId, campaignRewardId, 0), count(tenantId, participantId, campaignRewardId, month));
  }

  /** All actions recorded in a campaign (the sum of its participants' all-time totals). */
  long campaignActions(long tenantId, long campaignId);

  /** Deletes a participant's actions and counters. */
  void deleteAll(long tenantId, long participantId);
}
