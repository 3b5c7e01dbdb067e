package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.CouponPort;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.jdbc.SqlDialect;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * Coupon pools in table {@code coupon_code}: one row per code, FREE until it is ASSIGNED to one earned reward.
 *
 * <h2>Assignment</h2>
 * No code may go to two rewards, under any concurrency and across instances. Three things make sure of it: every
 * assignment is an {@code UPDATE ... WHERE status = 'FREE'} (a code already assigned never matches, since READ
 * COMMITTED re-checks the condition on the latest row version after waiting for a row lock), the update takes the
 * row lock until commit, and {@code UNIQUE (tenant_id, earned_reward_id)} refuses a second code for one reward (see
 * below).
 *
 * <p>On PostgreSQL the whole step is one statement ({@link Sql#couponAssignNext()}): a subquery picks the lowest free
 * code {@code FOR UPDATE SKIP LOCKED}, so concurrent assigners take different codes without waiting for each other,
 * and the update returns the code. An assigner finds nothing only when every free code is held by other
 * transactions (or there is none).
 *
 * <p>On H2 SKIP LOCKED with ORDER BY and LIMIT returns no row as soon as one candidate is locked (see
 * {@link Sql#deliveryClaim(boolean)}), so the port reads the lowest free code without a lock and assigns it with the
 * conditional update; if another transaction took it first (the update waited for that one's commit and then no
 * longer matched), it reads again. Every failed round means another transaction assigned a code, so the loop ends.
 * Concurrent assigners queue on the lowest code; H2 serves one process, where this is enough.
 *
 * <h2>A reward that got a code meanwhile</h2>
 * Two transactions can try to give one waiting reward a code at once (two uploads assigning the waiting rewards). The
 * second one's update meets the first one's row in {@code UNIQUE (tenant_id, earned_reward_id)}, waits for it to
 * commit and then fails. That is a lost race, not a broken request: it is reported as a
 * {@link TransientStorageException}, so the engine runs the unit of work again and finds the reward holding its code.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcCouponPort extends JdbcPort implements CouponPort {
  JdbcCouponPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  /** The codes of {@code codes} that the pool holds, in the order of {@code codes}, each once. */
  @Override
  public List<String> existing(long tenantId, long campaignId, Collection<String> codes) {
    Objects.requireNonNull(codes, "codes");
    Set<String> asked = new LinkedHashSet<>(codes);
    asked.remove(null);
    if (asked.isEmpty()) {
      return List.of();
    }
    Set<String> found = new HashSet<>(run("coupon existing", () -> handle.createQuery(sql.couponExisting())
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bindArray("codes", String.class, List.copyOf(asked))
        .mapTo(String.class)
        .list()));
    return asked.stream().filter(found::contains).toList();
  }

  @Override
  public void insertAll(long tenantId, long campaignId, List<NewCode> codes, Instant at) {
    if (codes.isEmpty()) {
      return;
    }
    run("coupon insert all", UniqueKey.COUPON_CODE, () -> handle.createUpdate(Sql.COUPON_INSERT_ALL)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("couponIds", SqlArray.bigint(codes, NewCode::couponId))
        .bind("codes", SqlArray.text(codes, NewCode::code))
        .bind("createdAt", Rows.timestamp(at))
        .execute());
  }

  @Override
  public Optional<String> assignNext(long tenantId, long campaignId, long earnedRewardId, long participantId,
      Instant at) {
    Objects.requireNonNull(at, "at");
    try {
      return assign(tenantId, campaignId, earnedRewardId, participantId, at);
    } catch (JdbiException e) {
      if (SqlErrors.isUniqueViolation(e)) {
        throw new TransientStorageException("coupon assign failed: another transaction gave the earned reward a "
            + "code; retry the unit of work", SqlErrors.redacted(e));
      }
      throw SqlErrors.translate("coupon assign", e);
    }
  }

  private Optional<String> assign(long tenantId, long campaignId, long earnedRewardId, long participantId,
      Instant at) {
    if (sql.dialect() == SqlDialect.POSTGRESQL) {
      Optional<String> unlocked = handle.createQuery(sql.couponAssignNext())
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("earnedRewardId", earnedRewardId)
          .bind("participantId", participantId)
          .bind("at", Rows.timestamp(at))
          .mapTo(String.class)
          .findOne();
      if (unlocked.isPresent()) {
        return unlocked;
      }
      // No free code that no one holds. One that another transaction is assigning is free again if that one rolls
      // back: wait for it, as below, rather than report an empty pool that is not.
    }
    // The lowest free code read without a lock, then assigned if still free: the update waits for a transaction
    // assigning the same code, and finds it taken (try the next) or free again (take it).
    while (true) {
      Optional<FreeCode> lowest = handle.createQuery(Sql.COUPON_LOWEST_FREE)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .map((rs, ctx) -> new FreeCode(rs.getLong("coupon_id"), rs.getString("code")))
          .findOne();
      if (lowest.isEmpty()) {
        return Optional.empty();
      }
      int rows = handle.createUpdate(Sql.COUPON_ASSIGN_IF_FREE)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("couponId", lowest.get().couponId())
          .bind("earnedRewardId", earnedRewardId)
          .bind("participantId", participantId)
          .bind("at", Rows.timestamp(at))
          .execute();
      if (rows > 0) {
        return Optional.of(lowest.get().code());
      }
    }
  }

  @Override
  public long remaining(long tenantId, long campaignId) {
    return run("coupon remaining", () -> handle.createQuery(Sql.COUPON_REMAINING)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public long countAfter(long tenantId, long campaignId, String code, int atMost) {
    return countBeside("coupon count after", sql.couponCountAfter(), tenantId, campaignId, code, atMost);
  }

  @Override
  public long countBefore(long tenantId, long campaignId, String code, int atMost) {
    return countBeside("coupon count before", Sql.COUPON_COUNT_BEFORE, tenantId, campaignId, code, atMost);
  }

  /** The pool's codes on one side of {@code code}, counted up to {@code atMost} by {@code statement}. */
  private long countBeside(String what, String statement, long tenantId, long campaignId, String code, int atMost) {
    Objects.requireNonNull(code, "code");
    return run(what, () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("code", code)
        .bind("atMost", atMost)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public List<AssignedCoupon> assigned(long tenantId, long campaignId, Long afterId, int limit) {
    String statement = Sql.COUPON_ASSIGNED + (afterId == null ? "" : Sql.COUPON_AND_AFTER) + Sql.COUPON_ORDER_LIMIT;
    return run("coupon assigned", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("limit", checkLimit(limit));
      if (afterId != null) {
        query.bind("afterId", afterId.longValue());
      }
      return query.map(Rows.ASSIGNED_COUPON).list();
    });
  }

  private record FreeCode(long couponId, String code) {
  }
}
