package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.EarnedRewardPort;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Earned rewards in table {@code earned_reward}.
 *
 * <h2>Unlocks</h2>
 * {@link #insertIfAbsent} relies on the unique key (tenant, participant, campaign reward, cycle): an insert that does
 * nothing when the cycle exists ({@code ON CONFLICT DO NOTHING} on PostgreSQL, {@code MERGE ... WHEN NOT MATCHED} on
 * H2, whose concurrent duplicate is ignored by SQLState), so it never fails the unit of work. A row with the same id
 * is left alone the same way (PostgreSQL's ON CONFLICT without a target covers every unique key, and H2 reports both
 * with one SQLState); ids are unique, so that only matters to a caller that reuses one.
 *
 * <h2>Moves</h2>
 * {@link #transition} is one compare-and-set {@code UPDATE ... WHERE status = ?}: of two concurrent moves of one
 * reward, the second waits for the first's row lock and then no longer matches.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcEarnedRewardPort extends JdbcPort implements EarnedRewardPort {
  JdbcEarnedRewardPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public boolean insertIfAbsent(EarnedReward r, long actionId) {
    Objects.requireNonNull(r, "reward");
    int rows = runInsertIfAbsent("earned reward insert", () -> handle.createUpdate(sql.earnedInsertIfAbsent())
        .bind("tenantId", r.tenantId())
        .bind("earnedRewardId", r.id())
        .bind("campaignId", r.campaignId())
        .bind("participantId", r.participantId())
        .bind("campaignRewardId", r.campaignRewardId())
        .bind("cycle", r.cycle())
        .bind("type", JdbcRewardPort.name(r.type()))
        .bind("status", JdbcRewardPort.name(r.status()))
        .bind("unread", r.unread())
        .bind("points", r.points())
        .bind("couponCode", r.couponCode())
        .bind("message", r.message())
        .bind("cashAmountMinor", r.cashAmountMinor())
        .bind("currency", r.currency())
        .bind("waitingReason", r.waitingReason())
        .bind("actionId", actionId)
        .bind("earnedAt", Rows.timestamp(r.earnedAt()))
        .bind("approvedAt", Rows.timestamp(r.approvedAt()))
        .bind("fulfilledAt", Rows.timestamp(r.fulfilledAt()))
        .execute());
    return rows > 0;
  }

  @Override
  public Optional<EarnedReward> find(long tenantId, long earnedRewardId) {
    return run("earned reward find", () -> handle.createQuery(Sql.EARNED_FIND)
        .bind("tenantId", tenantId)
        .bind("earnedRewardId", earnedRewardId)
        .map(Rows.EARNED_REWARD)
        .findOne());
  }

  @Override
  public List<EarnedReward> unlockedBy(long tenantId, long actionId) {
    return run("earned reward unlocked by", () -> handle.createQuery(Sql.EARNED_UNLOCKED_BY)
        .bind("tenantId", tenantId)
        .bind("actionId", actionId)
        .map(Rows.EARNED_REWARD)
        .list());
  }

  @Override
  public List<EarnedReward> listForParticipant(long tenantId, long participantId, Long beforeId, int limit) {
    String statement = Sql.EARNED_FOR_PARTICIPANT + (beforeId == null ? "" : Sql.EARNED_AND_BEFORE)
        + Sql.EARNED_ORDER_NEWEST_LIMIT;
    return run("earned reward list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("limit", checkLimit(limit));
      if (beforeId != null) {
        query.bind("beforeId", beforeId.longValue());
      }
      return query.map(Rows.EARNED_REWARD).list();
    });
  }

  @Override
  public List<EarnedReward> listForCampaign(long tenantId, long campaignId, EarnedRewardStatus status, Long afterId,
      int limit) {
    String statement = Sql.EARNED_FOR_CAMPAIGN + (status == null ? Sql.EARNED_ORDER_LIMIT
        : Sql.EARNED_AND_STATUS + Sql.EARNED_STATUS_ORDER_LIMIT);
    return run("earned reward campaign list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("afterId", afterId == null ? Long.MIN_VALUE : afterId)
          .bind("limit", checkLimit(limit));
      if (status != null) {
        query.bind("status", status.name());
      }
      return query.map(Rows.EARNED_REWARD).list();
    });
  }

  @Override
  public Optional<EarnedReward> transition(long tenantId, long earnedRewardId, EarnedRewardStatus from,
      EarnedRewardStatus to, Instant at) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    boolean stamped = to == EarnedRewardStatus.APPROVED || to == EarnedRewardStatus.FULFILLED;
    String statement = switch (to) {
      case APPROVED -> sql.earnedTransitionApproved();
      case FULFILLED -> sql.earnedTransitionFulfilled();
      case PENDING, REMOVED -> sql.earnedTransition();
    };
    if (stamped) {
      Objects.requireNonNull(at, "at");
    }
    return run("earned reward transition", () -> {
      var update = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("earnedRewardId", earnedRewardId)
          .bind("from", from.name())
          .bind("to", to.name());
      if (stamped) {
        update.bind("at", Rows.timestamp(at));
      }
      return update.map(Rows.EARNED_REWARD).findOne();
    });
  }

  @Override
  public Optional<EarnedReward> setCoupon(long tenantId, long earnedRewardId, String couponCode,
      String waitingReason) {
    if (couponCode != null) {
      return run("earned reward coupon", () -> handle.createQuery(sql.earnedSetCoupon())
          .bind("tenantId", tenantId)
          .bind("earnedRewardId", earnedRewardId)
          .bind("couponCode", couponCode)
          .map(Rows.EARNED_REWARD)
          .findOne());
    }
    return run("earned reward waiting", () -> handle.createQuery(sql.earnedSetWaiting())
        .bind("tenantId", tenantId)
        .bind("earnedRewardId", earnedRewardId)
        .bind("waitingReason", waitingReason)
        .map(Rows.EARNED_REWARD)
        .findOne());
  }

  @Override
  public boolean markRead(long tenantId, long earnedRewardId) {
    int rows = run("earned reward mark read", () -> handle.createUpdate(Sql.EARNED_MARK_READ)
        .bind("tenantId", tenantId)
        .bind("earnedRewardId", earnedRewardId)
        .execute());
    return rows > 0;
  }

  @Override
  public long countByStatus(long tenantId, long participantId, EarnedRewardStatus status) {
    Objects.requireNonNull(status, "status");
    return run("earned reward count", () -> handle.createQuery(Sql.EARNED_COUNT_BY_STATUS)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("status", status.name())
        .mapTo(Long.class)
        .one());
  }

  @Override
  public boolean isWinner(long tenantId, long participantId) {
    return run("earned reward is winner", () -> handle.createQuery(Sql.EARNED_IS_WINNER)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .mapTo(Integer.class)
        .findOne()
        .isPresent());
  }

  @Override
  public long winners(long tenantId, long campaignId) {
    return run("earned reward winners", () -> handle.createQuery(Sql.EARNED_WINNERS)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public List<EarnedReward> waitingForCoupon(long tenantId, long campaignId, int limit) {
    return run("earned reward waiting for coupon", () -> handle.createQuery(sql.earnedWaitingForCoupon())
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("limit", checkLimit(limit))
        .map(Rows.EARNED_REWARD)
        .list());
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    run("earned reward delete", () -> handle.createUpdate(Sql.EARNED_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }
}
