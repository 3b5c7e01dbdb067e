package io.loyaltyengine.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.points.PointsRules;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.rewards.RewardType;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pure rules of the catalog. Each test name states the rule it checks. */
class CatalogRulesTest {
  private static final NewCatalogReward MUG = NewCatalogReward.of(1, "Mug", 500, RewardType.CUSTOM);

  @Test
  void aValidRewardIsReturnedWithItsTextStripped() {
    NewCatalogReward valid = CatalogRules.validate(
        new NewCatalogReward(1, "  Mug ", " A big mug\n", 500, RewardType.CUSTOM, 3L, false), EngineLimits.DEFAULTS);
    assertEquals(new NewCatalogReward(1, "Mug", "A big mug", 500, RewardType.CUSTOM, 3L, false), valid);
    assertNull(CatalogRules.validate(MUG, EngineLimits.DEFAULTS).stock(), "null stock is unlimited");
  }

  @Test
  void eachBadFieldIsNamed() {
    assertField("reward", null);
    assertField("name", new NewCatalogReward(1, null, null, 1, RewardType.CUSTOM, null, true));
    assertField("name", new NewCatalogReward(1, "  ", null, 1, RewardType.CUSTOM, null, true));
    assertField("name", new NewCatalogReward(1, "n".repeat(201), null, 1, RewardType.CUSTOM, null, true));
    assertField("name", new NewCatalogReward(1, "a\u0007b", null, 1, RewardType.CUSTOM, null, true));
    assertField("description", MUG.withDescription("d".repeat(2_001)));
    assertField("description", MUG.withDescription(" "));
    assertField("pointsCost", new NewCatalogReward(1, "Mug", null, 0, RewardType.CUSTOM, null, true));
    assertField("pointsCost", new NewCatalogReward(1, "Mug", null, -5, RewardType.CUSTOM, null, true));
    assertField("pointsCost", new NewCatalogReward(1, "Mug", null, 1_000_000_001L, RewardType.CUSTOM, null, true));
    assertField("type", new NewCatalogReward(1, "Mug", null, 1, null, null, true));
    assertField("stock", MUG.withStock(-1));
    assertField("stock", MUG.withStock(1_000_000_001L));
  }

  @Test
  void boundsAreInclusive() {
    CatalogRules.validate(new NewCatalogReward(1, "n".repeat(200), "d".repeat(2_000), 1_000_000_000L,
        RewardType.POINTS, 1_000_000_000L, true), EngineLimits.DEFAULTS);
    CatalogRules.validate(MUG.withStock(0), EngineLimits.DEFAULTS);
    CatalogRules.validate(new NewCatalogReward(1, "Mug", null, 1, RewardType.CASH, null, true),
        EngineLimits.DEFAULTS);
  }

  @Test
  void theCostFollowsTheEnginesPointsLimit() {
    EngineLimits small = EngineLimits.builder().maxPointsPerOperation(100).build();
    CatalogRules.validate(new NewCatalogReward(1, "Mug", null, 100, RewardType.CUSTOM, null, true), small);
    assertEquals("pointsCost", assertThrows(LoyaltyException.class, () -> CatalogRules.validate(
        new NewCatalogReward(1, "Mug", null, 101, RewardType.CUSTOM, null, true), small)).field().orElseThrow());
  }

  @Test
  void anUpdateIsValidatedAsANewRewardsSameFieldsAndReturnedStripped() {
    assertEquals(new CatalogRewardUpdate("Mug", null, 1_000_000_000L), CatalogRules.validate(
        new CatalogRewardUpdate(" Mug ", null, 1_000_000_000L), EngineLimits.DEFAULTS));
    assertEquals(new CatalogRewardUpdate("n".repeat(200), "d".repeat(2_000), 1), CatalogRules.validate(
        new CatalogRewardUpdate("n".repeat(200), "d".repeat(2_000), 1), EngineLimits.DEFAULTS));
    CatalogRewardUpdate mug = new CatalogRewardUpdate("Mug", null, 500);
    assertUpdateField("update", null, EngineLimits.DEFAULTS);
    assertUpdateField("name", mug.withName(null), EngineLimits.DEFAULTS);
    assertUpdateField("name", mug.withName("  "), EngineLimits.DEFAULTS);
    assertUpdateField("name", mug.withName("n".repeat(201)), EngineLimits.DEFAULTS);
    assertUpdateField("description", mug.withDescription("d".repeat(2_001)), EngineLimits.DEFAULTS);
    assertUpdateField("description", mug.withDescription(" "), EngineLimits.DEFAULTS);
    assertUpdateField("pointsCost", mug.withPointsCost(0), EngineLimits.DEFAULTS);
    assertUpdateField("pointsCost", mug.withPointsCost(1_000_000_001L), EngineLimits.DEFAULTS);
    assertUpdateField("pointsCost", mug.withPointsCost(101),
        EngineLimits.builder().maxPointsPerOperation(100).build());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1_000_000_001L, -1_000_000_001L, Long.MAX_VALUE, Long.MIN_VALUE})
  void aStockAdjustmentOfZeroOrBeyondTheStockBoundIsNamedDelta(long delta) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> CatalogRules.delta(delta));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("delta", e.field().orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(longs = {1, -1, 1_000_000_000L, -1_000_000_000L})
  void aStockAdjustmentUpToTheStockBoundEitherWayIsAccepted(long delta) {
    assertEquals(delta, CatalogRules.delta(delta));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "with space", "tab\tkey", "caf\u00e9", "\u007f"})
  void redemptionKeysFollowThePointsKeyRules(String key) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> PointsRules.idempotencyKey(key));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("idempotencyKey", e.field().orElseThrow());
  }

  @Test
  void redemptionKeysOfOneTo128PrintableAsciiCharactersOrNullAreAccepted() {
    assertNull(PointsRules.idempotencyKey(null));
    assertEquals("k", PointsRules.idempotencyKey("k"));
    assertEquals("k".repeat(128), PointsRules.idempotencyKey("k".repeat(128)));
    assertEquals("order-1001:!~", PointsRules.idempotencyKey("order-1001:!~"));
    assertThrows(LoyaltyException.class, () -> PointsRules.idempotencyKey("k".repeat(129)));
  }

  @Test
  void theRedeemedPayloadCarriesTheRedemptionAndTheRewardsNameAndCost() {
    Instant at = Instant.parse("2025-03-01T10:15:30Z");
    CatalogReward reward = new CatalogReward(5, 1, 2, "Mug", null, 500, RewardType.CUSTOM, 3L, true, at);
    Redemption r = new Redemption(9, 1, 5, 7, 500, 8, 120, "order-1", at, false);
    assertEquals("{\"redemption\":{\"id\":\"9\",\"catalogRewardId\":\"5\",\"participantId\":\"7\",\"pointsSpent\":500,"
        + "\"ledgerEntryId\":\"8\",\"balance\":120,\"idempotencyKey\":\"order-1\","
        + "\"redeemedAt\":\"2025-03-01T10:15:30Z\"},\"catalogReward\":{\"id\":\"5\",\"campaignId\":\"2\","
        + "\"name\":\"Mug\",\"pointsCost\":500,\"type\":\"CUSTOM\"}}", CatalogService.redeemedPayload(r, reward));
  }

  private static void assertField(String field, NewCatalogReward reward) {
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> CatalogRules.validate(reward, EngineLimits.DEFAULTS));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals(field, e.field().orElseThrow());
  }

  private static void assertUpdateField(String field, CatalogRewardUpdate update, EngineLimits limits) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> CatalogRules.validate(update, limits));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals(field, e.field().orElseThrow());
  }
}
