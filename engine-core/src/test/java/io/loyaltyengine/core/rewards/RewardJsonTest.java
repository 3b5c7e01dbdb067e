package io.loyaltyengine.core.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardType;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardJsonTest {
  private static final Instant AT = Instant.parse("2025-03-01T10:15:30.123456Z");
  private static final EarnedReward COUPON = new EarnedReward(7_421_903_766_441_984_123L, 1, 2, 3, 4, 5,
      RewardType.COUPON, EarnedRewardStatus.APPROVED, true, 0, "CODE-SECRET-1", null, 0, null, null, AT, AT, null);

  @Test
  void theEarnedRewardIdSurvivesTheRoundTripExactly() {
    assertEquals(COUPON.id(), RewardJson.earnedRewardId(RewardJson.earned(COUPON, true)));
    assertEquals(42L, RewardJson.earnedRewardId("{\"x\":{\"id\":1},\"earnedReward\":{\"a\":[1,{\"id\":2}],\"id\":42}}"),
        "a number is accepted too, and other objects' ids are skipped");
  }

  @Test
  void theCouponCodeIsWrittenOnlyWhenAsked() {
    String approved = RewardJson.earned(COUPON, true);
    String reached = RewardJson.earned(COUPON, false);
    assertTrue(approved.contains("\"couponCode\":\"CODE-SECRET-1\""), approved);
    assertFalse(reached.contains("CODE-SECRET-1"), reached);
    assertFalse(reached.contains("couponCode"), reached);
    assertTrue(approved.contains("\"id\":\"7421903766441984123\""), "the entity's own id is a string: " + approved);
    assertTrue(approved.contains("\"approvedAt\":\"2025-03-01T10:15:30.123456Z\""), approved);
    assertTrue(approved.contains("\"fulfilledAt\":null"), approved);
  }

  @Test
  void actionPayloadCarriesTheActionAndTheCounts() {
    ActionRecord a = new ActionRecord(99, 1, 2, 3, 4, ActionSource.REFERRAL, Map.of("order", "A-1", "n", 2L,
        "vip", true, "x", 1.5), 8L, "key-1", true, new ActionCounts(10, 3, 7, 5, 2), AT);
    String json = RewardJson.action(a);
    assertEquals("{\"action\":{\"id\":\"99\",\"campaignRewardId\":\"4\",\"source\":\"REFERRAL\","
        + "\"invitedParticipantId\":\"8\",\"idempotencyKey\":\"key-1\",\"participantCreated\":true,"
        + "\"metadata\":{\"n\":2,\"order\":\"A-1\",\"vip\":true,\"x\":1.5},"
        + "\"recordedAt\":\"2025-03-01T10:15:30.123456Z\"},"
        + "\"counts\":{\"allTime\":10,\"currentMonth\":3,\"previousMonth\":7,\"rewardAllTime\":5,"
        + "\"rewardCurrentMonth\":2}}", json);
  }

  @Test
  void aPayloadWithoutAnEarnedRewardIdIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> RewardJson.earnedRewardId("{\"entry\":{\"id\":\"1\"}}"));
    assertThrows(IllegalArgumentException.class, () -> RewardJson.earnedRewardId("{\"earnedReward\":{\"id\":\"x\"}}"));
    assertThrows(IllegalArgumentException.class, () -> RewardJson.earnedRewardId("[]"));
  }
}
