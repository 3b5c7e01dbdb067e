package io.loyaltyengine.core.spi;

import io.loyaltyengine.coupons.AssignedCoupon;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Coupon pools. {@link #assignNext} takes the free code with the lowest id and marks it assigned in one atomic step
 * ({@code FOR UPDATE SKIP LOCKED} and a conditional update on PostgreSQL), so a code never goes to two rewards.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface CouponPort {
  /** Which of {@code codes} the campaign's pool already holds. */
  List<String> existing(long tenantId, long campaignId, Collection<String> codes);

  /**
   * Adds free codes (an upload's new ones, at once: a store may write them in one statement). If one violates the
   * key, the unit of work must fail (what was inserted before it may or may not be written until then).
   *
   * @throws UniqueViolationException with {@link UniqueKey#COUPON_CODE} if the pool holds one of the codes, or
   *     {@code codes} holds one twice
   */
  void insertAll(long tenantId, long campaignId, List<NewCode> codes, Instant at);

  /**
   * Assigns the next free code to an earned reward; empty when the pool has none. A code another transaction is
   * assigning is not passed by when no other is free: the call waits for that transaction, and takes the code if
   * it rolled back, so that "empty" is never reported of a pool that keeps a free code.
   */
  Optional<String> assignNext(long tenantId, long campaignId, long earnedRewardId, long participantId, Instant at);

  /** Free codes left in the pool. */
  long remaining(long tenantId, long campaignId);

  /**
   * The pool's codes, free or assigned, whose id is above that of {@code code}, counted up to {@code atMost}: what is
   * left after it in the order codes are given out. 0 if the pool does not hold {@code code}. Unlike
   * {@link #remaining}, the answer for a code does not depend on which other assignments have committed; the bound
   * keeps its cost to the few codes a caller compares with, whatever the pool's size.
   */
  long countAfter(long tenantId, long campaignId, String code, int atMost);

  /**
   * The pool's codes, free or assigned, whose id is below that of {@code code}, counted up to {@code atMost}: what
   * was given out (or is still free) before it. 0 if the pool does not hold {@code code}. As {@link #countAfter}, the
   * answer does not depend on which other assignments have committed.
   */
  long countBefore(long tenantId, long campaignId, String code, int atMost);

  /** Assigned codes with id above {@code afterId} (all when null), in id order, at most {@code limit}. */
  List<AssignedCoupon> assigned(long tenantId, long campaignId, Long afterId, int limit);

  /**
   * A code to add to a pool, and its id. {@link #toString()} hides the code, a bearer secret. Immutable.
   *
   * @param couponId the code's id in the tenant
   * @param code the code, not null
   */
  record NewCode(long couponId, String code) {
    /** Checks the code. */
    public NewCode {
      Objects.requireNonNull(code, "code");
    }

    @Override
    public String toString() {
      return "NewCode[couponId=" + couponId + ", code hidden]";
    }
  }
}
