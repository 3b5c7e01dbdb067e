package io.loyaltyengine.core.points;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PointsRulesTest {
  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1_000_000_001L})
  void amountsOutOfBoundsAreRejected(long amount) {
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> PointsRules.validate(PointsChange.of(amount, "purchase"), EngineLimits.DEFAULTS));
    assertEquals("amount", e.field().orElseThrow());
  }

  @Test
  void typeKeyAndDescriptionAreChecked() {
    assertField("type", new PointsChange(1, "has space", null, null));
    assertField("type", new PointsChange(1, "", null, null));
    assertField("type", new PointsChange(1, null, null, null));
    assertField("idempotencyKey", new PointsChange(1, "t", null, "with space"));
    assertField("idempotencyKey", new PointsChange(1, "t", null, "k".repeat(129)));
    assertField("description", new PointsChange(1, "t", "d".repeat(501), null));
    assertField("change", null);
  }

  @Test
  void creditAndDebitBoundsAreExact() {
    assertTrue(PointsRules.canCredit(Long.MAX_VALUE - 5, 0, 5));
    assertFalse(PointsRules.canCredit(Long.MAX_VALUE - 5, 0, 6));
    assertFalse(PointsRules.canCredit(0, Long.MAX_VALUE, 1));
    assertTrue(PointsRules.canDebit(7, 7));
    assertFalse(PointsRules.canDebit(6, 7));
  }

  @Test
  void aPlainAndACappedDeductionAreDifferentRequestsAndACappedOneIsTheAmountItAskedFor() {
    Instant at = Instant.parse("2025-01-01T00:00:00Z");
    LedgerEntry plain = new LedgerEntry(1, 2, 3, 4, LedgerEntryKind.DEDUCT, 30, "refund", null, "k", 0, at);
    LedgerEntry capped = new LedgerEntry(1, 2, 3, 4, LedgerEntryKind.DEDUCT, 30, "refund", null, "k", 0, at, 120L);
    PointsChange took = new PointsChange(30, "refund", null, "k");
    PointsChange asked = new PointsChange(120, "refund", null, "k");

    assertTrue(PointsRules.isSameRequest(plain, 4, LedgerEntryKind.DEDUCT, took));
    assertFalse(PointsRules.isSameCappedRequest(plain, 4, took), "an entry without an amount asked is plain");
    assertFalse(PointsRules.isSameRequest(capped, 4, LedgerEntryKind.DEDUCT, took));
    assertTrue(PointsRules.isSameCappedRequest(capped, 4, asked));
    assertFalse(PointsRules.isSameCappedRequest(capped, 4, took), "what it took is not what it asked");
    assertFalse(PointsRules.isSameCappedRequest(capped, 4, new PointsChange(121, "refund", null, "k")));
    assertFalse(PointsRules.isSameCappedRequest(capped, 5, asked));
    assertFalse(PointsRules.isSameCappedRequest(capped, 4, new PointsChange(120, "refund", "d", "k")));
  }

  private static void assertField(String field, PointsChange change) {
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> PointsRules.validate(change, EngineLimits.DEFAULTS));
    assertEquals(field, e.field().orElseThrow());
  }
}
