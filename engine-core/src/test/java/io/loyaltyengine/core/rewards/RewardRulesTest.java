package io.loyaltyengine.core.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.points.PointsRules;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RewardRulesTest {
  private static final EngineLimits LIMITS = EngineLimits.DEFAULTS;

  @Test
  void factoriesGiveValidDefinitions() {
    NewCampaignReward points = RewardRules.validate(NewCampaignReward.points("  Free coffee ", 100, 10), LIMITS);
    assertEquals("Free coffee", points.name(), "stripped");
    assertEquals(1, points.limit(), "earned once by default");
    RewardRules.validate(NewCampaignReward.coupon("Coupon", 1).unlimited(), LIMITS);
    RewardRules.validate(NewCampaignReward.message("Thanks", "Line one\nLine two\ttabbed", 5), LIMITS);
    RewardRules.validate(NewCampaignReward.cash("Cash", 500, "EUR", 2).withLimit(1_000_000), LIMITS);
    RewardRules.validate(NewCampaignReward.custom("Token", "token-transfer.v2", 3), LIMITS);
    NewCampaignReward invited = RewardRules.validate(NewCampaignReward.points("Welcome", 50, 7).forInvited(), LIMITS);
    assertEquals(RewardAudience.INVITED, invited.audience());
    assertEquals(1, invited.conversionsRequired());
  }

  @Test
  void nameTypeAndAudienceAreRequired() {
    assertField("reward", () -> RewardRules.validate(null, LIMITS));
    assertField("name", () -> RewardRules.validate(NewCampaignReward.points(" ", 1, 1), LIMITS));
    assertField("name", () -> RewardRules.validate(NewCampaignReward.points("n".repeat(201), 1, 1), LIMITS));
    assertField("name", () -> RewardRules.validate(NewCampaignReward.points("bell\u0007", 1, 1), LIMITS));
    assertField("type", () -> RewardRules.validate(new NewCampaignReward("n", null, RewardAudience.PARTICIPANT, 1,
        1, 0, null, 0, null, null), LIMITS));
    assertField("audience", () -> RewardRules.validate(new NewCampaignReward("n", RewardType.COUPON, null, 1, 1, 0,
        null, 0, null, null), LIMITS));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1_000_001, Integer.MIN_VALUE})
  void conversionsAndLimitAreBounded(int bad) {
    assertField("conversionsRequired", () -> RewardRules.validate(NewCampaignReward.coupon("c", bad), LIMITS));
    assertField("limit", () -> RewardRules.validate(NewCampaignReward.coupon("c", 1).withLimit(bad), LIMITS));
  }

  @Test
  void invitedRewardsAreEarnedOnceOnTheReferralItself() {
    NewCampaignReward base = NewCampaignReward.coupon("c", 1).forInvited();
    assertField("conversionsRequired", () -> RewardRules.validate(new NewCampaignReward("c", RewardType.COUPON,
        RewardAudience.INVITED, 2, 1, 0, null, 0, null, null), LIMITS));
    assertField("limit", () -> RewardRules.validate(base.unlimited(), LIMITS));
    assertField("limit", () -> RewardRules.validate(base.withLimit(2), LIMITS));
  }

  @Test
  void eachTypeChecksItsOwnFields() {
    assertField("points", () -> RewardRules.validate(NewCampaignReward.points("p", 0, 1), LIMITS));
    assertField("points", () -> RewardRules.validate(NewCampaignReward.points("p", 1_000_000_001L, 1), LIMITS));
    RewardRules.validate(NewCampaignReward.points("p", 1_000_000_000L, 1), LIMITS);
    assertField("message", () -> RewardRules.validate(NewCampaignReward.message("m", null, 1), LIMITS));
    assertField("message", () -> RewardRules.validate(NewCampaignReward.message("m", " \n ", 1), LIMITS));
    assertField("message", () -> RewardRules.validate(NewCampaignReward.message("m", "\u00a0\n\u202f", 1), LIMITS));
    assertField("message", () -> RewardRules.validate(NewCampaignReward.message("m", "x".repeat(2_001), 1), LIMITS));
    assertField("message", () -> RewardRules.validate(NewCampaignReward.message("m", "nul\u0000", 1), LIMITS));
    assertField("message", () -> RewardRules.validate(NewCampaignReward.message("m", "half \uD83D", 1), LIMITS));
    RewardRules.validate(NewCampaignReward.message("m", "☕".repeat(2_000), 1), LIMITS);
    assertField("cashAmountMinor", () -> RewardRules.validate(NewCampaignReward.cash("c", 0, "EUR", 1), LIMITS));
    for (String currency : new String[] {null, "eur", "EURO", "E1R", ""}) {
      assertField("currency", () -> RewardRules.validate(NewCampaignReward.cash("c", 1, currency, 1), LIMITS));
    }
    assertField("handler", () -> RewardRules.validate(NewCampaignReward.custom("c", null, 1), LIMITS));
    assertField("handler", () -> RewardRules.validate(NewCampaignReward.custom("c", "has space", 1), LIMITS));
  }

  @Test
  void fieldsOfOtherTypesAreRefusedRatherThanIgnored() {
    assertField("points", () -> RewardRules.validate(new NewCampaignReward("c", RewardType.CASH,
        RewardAudience.PARTICIPANT, 1, 1, 5, null, 100, "EUR", null), LIMITS));
    assertField("message", () -> RewardRules.validate(new NewCampaignReward("c", RewardType.POINTS,
        RewardAudience.PARTICIPANT, 1, 1, 5, "hello", 0, null, null), LIMITS));
    assertField("cashAmountMinor", () -> RewardRules.validate(new NewCampaignReward("c", RewardType.COUPON,
        RewardAudience.PARTICIPANT, 1, 1, 0, null, 100, null, null), LIMITS));
    assertField("currency", () -> RewardRules.validate(new NewCampaignReward("c", RewardType.COUPON,
        RewardAudience.PARTICIPANT, 1, 1, 0, null, 0, "EUR", null), LIMITS));
    assertField("handler", () -> RewardRules.validate(new NewCampaignReward("c", RewardType.COUPON,
        RewardAudience.PARTICIPANT, 1, 1, 0, null, 0, null, "h"), LIMITS));
  }

  @Test
  void handlerNamesLeaveRoomForTheListenerPrefix() {
    assertEquals(53, RewardRules.MAX_HANDLER_LENGTH);
    RewardRules.handlerName("name", "h".repeat(53));
    assertField("name", () -> RewardRules.handlerName("name", "h".repeat(54)));
    assertField("name", () -> RewardRules.handlerName("name", ""));
    assertField("name", () -> RewardRules.handlerName("name", "ünïcode"));
  }

  @Test
  void thresholdAndKeysAreBounded() {
    assertEquals(0, RewardRules.lowStockThreshold(0));
    assertEquals(1_000_000, RewardRules.lowStockThreshold(1_000_000));
    assertField("couponLowStockThreshold", () -> RewardRules.lowStockThreshold(-1));
    assertField("couponLowStockThreshold", () -> RewardRules.lowStockThreshold(1_000_001));
    assertNull(PointsRules.idempotencyKey(null));
    assertEquals("order-1:x", PointsRules.idempotencyKey("order-1:x"));
    PointsRules.idempotencyKey("k".repeat(128));
    assertField("idempotencyKey", () -> PointsRules.idempotencyKey(""));
    assertField("idempotencyKey", () -> PointsRules.idempotencyKey("k".repeat(129)));
    assertField("idempotencyKey", () -> PointsRules.idempotencyKey("with space"));
    assertField("idempotencyKey", () -> PointsRules.idempotencyKey("naïve"));
  }

  @Test
  void messagesNeverRepeatTheRejectedValue() {
    String secret = "secret-person@example.com";
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> RewardRules.validate(NewCampaignReward.custom(secret, secret + " x", 1), LIMITS));
    assertFalse(e.getMessage().contains(secret));
  }

  private static void assertField(String field, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals(field, e.field().orElseThrow(), e.getMessage());
  }
}
