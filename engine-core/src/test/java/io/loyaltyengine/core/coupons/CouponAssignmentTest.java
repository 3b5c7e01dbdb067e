package io.loyaltyengine.core.coupons;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.core.campaign.CampaignZones;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardType;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The guards of {@link CouponAssignment#assign} that decide before any storage is touched (the unit of work is
 * null here, so touching it would fail). Assignment itself is tested end to end in the test kit.
 */
class CouponAssignmentTest {
  private static final ScopeContext TENANT_1 = new ScopeContext(1, null, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
      () -> 99, EngineLimits.DEFAULTS, new CampaignZones());

  @Test
  void onlyCouponRewardsOfTheScopesTenantTakeACode() {
    assertThrows(IllegalArgumentException.class,
        () -> CouponAssignment.assign(TENANT_1, null, reward(1, RewardType.POINTS, null), 0));
    assertThrows(IllegalArgumentException.class,
        () -> CouponAssignment.assign(TENANT_1, null, reward(2, RewardType.COUPON, null), 0));
  }

  @Test
  void aRewardThatHoldsACodeNeverTakesASecond() {
    assertDoesNotThrow(() -> CouponAssignment.assign(TENANT_1, null, reward(1, RewardType.COUPON, "HELD"), 0));
  }

  private static EarnedReward reward(long tenantId, RewardType type, String code) {
    return new EarnedReward(7, tenantId, 42, 9, 11, 1, type, EarnedRewardStatus.APPROVED, true, 0, code, null, 0,
        null, null, Instant.EPOCH, Instant.EPOCH, null);
  }
}
