package io.loyaltyengine.core.coupons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.rewards.RewardJson;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pure rules of a coupon upload. Each test name states the rule it checks. */
class CouponRulesTest {
  @Test
  void codesAreStrippedAndDuplicatesWithinTheUploadAreReportedOnceAndStoredOnce() {
    CouponRules.Upload upload = CouponRules.normalize(List.of(" A-1 ", "B-2", "A-1", "\tA-1", "C-3", "B-2"));
    assertEquals(List.of("A-1", "B-2", "C-3"), upload.unique());
    assertEquals(List.of("A-1", "B-2"), upload.duplicates());
  }

  /** Codes pasted from a web page or a spreadsheet often carry no-break spaces, which String.strip keeps. */
  @Test
  void noBreakSpacesAtTheEndsAreStrippedTooAndInnerOnesKept() {
    CouponRules.Upload upload = CouponRules.normalize(List.of("A-1", "A-1\u00A0", "\u202FA-1\u2007 ",
        "\u3000B\u00A02\u00A0"));
    assertEquals(List.of("A-1", "B\u00A02"), upload.unique());
    assertEquals(List.of("A-1"), upload.duplicates());
  }

  @Test
  void codesAreCaseSensitive() {
    CouponRules.Upload upload = CouponRules.normalize(List.of("abc", "ABC"));
    assertEquals(List.of("abc", "ABC"), upload.unique());
    assertTrue(upload.duplicates().isEmpty());
  }

  @Test
  void anUploadHoldsOneToTenThousandCodes() {
    assertCodesRejected(null);
    assertCodesRejected(List.of());
    List<String> tooMany = new ArrayList<>();
    for (int i = 0; i <= CouponRules.MAX_CODES_PER_UPLOAD; i++) {
      tooMany.add("code-" + i);
    }
    assertCodesRejected(tooMany);
    assertEquals(CouponRules.MAX_CODES_PER_UPLOAD,
        CouponRules.normalize(tooMany.subList(0, CouponRules.MAX_CODES_PER_UPLOAD)).unique().size());
  }

  @Test
  void aCodeIsOneToOneHundredCharactersCountedInCodePoints() {
    assertEquals("x".repeat(100), CouponRules.normalize(List.of("x".repeat(100))).unique().get(0));
    assertCodesRejected(List.of("x".repeat(101)));
    String emoji = "\uD83C\uDF81"; // one code point, two chars
    assertEquals(1, CouponRules.normalize(List.of(emoji.repeat(100))).unique().size());
    assertCodesRejected(List.of(emoji.repeat(101)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\u00a0", "\u202f\u00a0", "AB\u0000C", "AB\nCD", "A\u007fB", "A\u200bB",
      "A\u202eB", "A\u2028B", "A\uE000B", "A\uD800B", "A\uDC00"})
  void blankControlInvisibleAndBrokenCodesAreRejected(String code) {
    assertCodesRejected(List.of("GOOD-1", code));
  }

  /**
   * Invisible characters that are not of Unicode's format category (so the check of FORMAT misses them): the
   * combining grapheme joiner, the Hangul fillers, the variation selectors and the Mongolian free variation selectors
   * are default-ignorable (drawn as nothing), and an unassigned code point or a noncharacter has no glyph at all. Each
   * makes a code that looks like another, or like nothing.
   */
  @ParameterizedTest
  @ValueSource(strings = {"A\u034FB", "\u3164", "A\u3164B", "A\u115FB", "A\uFFA0B", "AB\uFE0F", "A\u180BB",
      "A\u17B4B", "A\uDB40\uDD00B", "A\uFFFFB", "A\u0378B"})
  void defaultIgnorableUnassignedAndNoncharacterCodesAreRejected(String code) {
    assertCodesRejected(List.of("GOOD-1", code));
  }

  @Test
  void aNullCodeIsRejected() {
    assertCodesRejected(Arrays.asList("GOOD-1", null));
  }

  @Test
  void printableUnicodeAndInnerSpacesAreAccepted() {
    assertEquals(List.of("SOMMER 2025", "café-ÄÖÜ", "クーポン", "a!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
        CouponRules.normalize(List.of("SOMMER 2025", "café-ÄÖÜ", "クーポン",
            "a!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")).unique());
    assertTrue(CouponRules.isPrintable("\uD83C\uDF81"));
    assertFalse(CouponRules.isPrintable("\uD83C"));
  }

  @Test
  void messagesNameTheIndexButNeverTheCode() {
    String secret = "SECRET-CODE\u0001";
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> CouponRules.normalize(List.of("fine", "also-fine", secret)));
    assertEquals("codes", e.field().orElseThrow());
    assertTrue(e.getMessage().contains("codes[2]"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    LoyaltyException tooLong = assertThrows(LoyaltyException.class,
        () -> CouponRules.normalize(List.of("SECRET".repeat(20))));
    assertFalse(tooLong.getMessage().contains("SECRET"), tooLong.getMessage());
  }

  @Test
  void theResultListsAreImmutable() {
    CouponRules.Upload upload = CouponRules.normalize(List.of("a", "a"));
    assertThrows(UnsupportedOperationException.class, () -> upload.unique().add("b"));
    assertThrows(UnsupportedOperationException.class, () -> upload.duplicates().add("b"));
  }

  @Test
  void anyListImplementationIsAccepted() {
    assertEquals(1, CouponRules.normalize(Collections.singletonList("x")).unique().size());
    assertEquals(2, CouponRules.normalize(new ArrayList<>(List.of("x", "y"))).unique().size());
  }

  @Test
  void eventPayloadsCarryIdsAndCountsButNoCode() {
    String low = CouponAssignment.poolLowPayload(42, 5, 5);
    assertEquals("{\"campaignId\":\"42\",\"remaining\":5,\"threshold\":5}", low);
    EarnedReward reward = new EarnedReward(7, 1, 42, 9, 11, 2, RewardType.COUPON, EarnedRewardStatus.APPROVED, true,
        0, "TOP-SECRET", null, 0, null, null, Instant.EPOCH, Instant.EPOCH, null);
    String empty = CouponAssignment.poolEmptyPayload(reward);
    assertEquals("{\"earnedRewardId\":\"7\",\"campaignId\":\"42\",\"participantId\":\"9\","
        + "\"campaignRewardId\":\"11\","
        + "\"cycle\":2,\"waitingReason\":\"coupon pool empty\",\"earnedReward\":"
        + RewardJson.earned(reward, false).substring("{\"earnedReward\":".length()), empty);
    assertFalse(empty.contains("TOP-SECRET"));
  }

  private static void assertCodesRejected(List<String> codes) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> CouponRules.normalize(codes));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("codes", e.field().orElseThrow());
  }
}
