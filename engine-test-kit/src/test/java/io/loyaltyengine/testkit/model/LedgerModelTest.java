package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.testkit.model.LedgerModel.Applied;
import io.loyaltyengine.testkit.model.LedgerModel.NothingTaken;
import io.loyaltyengine.testkit.model.LedgerModel.Rejected;
import io.loyaltyengine.testkit.model.LedgerModel.Replayed;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerModelTest {
  private final LedgerModel model = new LedgerModel(1_000);

  LedgerModelTest() {
    model.addParticipant(1);
    model.addParticipant(2);
  }

  @Test
  void awardAndDeductMoveTheBalanceAndAwardsTheLifetimePoints() {
    Applied award = assertInstanceOf(Applied.class, model.award(1, PointsChange.of(100, "purchase")));
    Applied deduct = assertInstanceOf(Applied.class, model.deduct(1, PointsChange.of(30, "redemption")));

    assertEquals(100, award.balance());
    assertEquals(70, deduct.balance());
    assertEquals(70, deduct.entry().balanceAfter());
    assertEquals(LedgerEntryKind.DEDUCT, deduct.entry().kind());
    assertEquals(-30, deduct.entry().signedAmount());
    assertEquals(70, model.balance(1));
    assertEquals(100, model.lifetimePoints(1));
    assertEquals(List.of(award.entry(), deduct.entry()), model.entries(1));
    assertTrue(deduct.entry().sequence() > award.entry().sequence());
  }

  @Test
  void badAmountsAreValidationErrorsBeforeAnythingElse() {
    for (long amount : new long[] {0, -1, Long.MIN_VALUE, 1_001, Long.MAX_VALUE}) {
      assertEquals(new Rejected(ErrorCode.VALIDATION_ERROR, "amount"), model.award(1, PointsChange.of(amount, "x")));
      assertEquals(new Rejected(ErrorCode.VALIDATION_ERROR, "amount"), model.deduct(99, PointsChange.of(amount, "x")));
    }
    assertEquals(new Rejected(ErrorCode.NOT_FOUND, null), model.award(99, PointsChange.of(1, "x")));
    assertEquals(List.of(), model.entries(1));
  }

  @Test
  void deductionBeyondTheBalanceIsInsufficientAndChangesNothing() {
    model.award(1, PointsChange.of(10, "purchase"));
    assertEquals(new Rejected(ErrorCode.INSUFFICIENT_POINTS, null), model.deduct(1, PointsChange.of(11, "r")));
    assertEquals(10, model.balance(1));
    assertInstanceOf(Applied.class, model.deduct(1, PointsChange.of(10, "r")));
    assertEquals(0, model.balance(1));
  }

  @Test
  void overflowOfBalanceOrLifetimeIsAValidationErrorOnAmount() {
    LedgerModel big = new LedgerModel(Long.MAX_VALUE);
    big.addParticipant(1);
    big.award(1, PointsChange.of(Long.MAX_VALUE, "x"));
    assertEquals(new Rejected(ErrorCode.VALIDATION_ERROR, "amount"), big.award(1, PointsChange.of(1, "x")));
    big.deduct(1, PointsChange.of(Long.MAX_VALUE, "x"));
    assertEquals(0, big.balance(1));
    assertEquals(new Rejected(ErrorCode.VALIDATION_ERROR, "amount"), big.award(1, PointsChange.of(1, "x")),
        "lifetime points would overflow although the balance would not");
  }

  @Test
  void sameKeyReplaysTheFirstResultAndOtherParametersConflict() {
    PointsChange first = new PointsChange(100, "purchase", "Order 1", "k");
    Applied applied = assertInstanceOf(Applied.class, model.award(1, first));
    model.award(1, PointsChange.of(5, "bonus"));

    assertEquals(new Replayed(applied.entry(), 100), model.award(1, first), "the balance right after the entry");
    assertEquals(105, model.balance(1));
    Rejected conflict = new Rejected(ErrorCode.CONFLICT, "idempotencyKey");
    assertEquals(conflict, model.award(1, new PointsChange(101, "purchase", "Order 1", "k")));
    assertEquals(conflict, model.award(1, new PointsChange(100, "bonus", "Order 1", "k")));
    assertEquals(conflict, model.award(1, new PointsChange(100, "purchase", null, "k")));
    assertEquals(conflict, model.deduct(1, first));
    assertEquals(conflict, model.award(2, first));
    assertEquals(105, model.balance(1));
    assertEquals(0, model.balance(2));
  }

  @Test
  void rejectedRequestLeavesItsKeyFree() {
    PointsChange redeem = PointsChange.of(50, "redemption").withIdempotencyKey("r");
    assertEquals(new Rejected(ErrorCode.INSUFFICIENT_POINTS, null), model.deduct(1, redeem));
    model.award(1, PointsChange.of(60, "purchase"));
    assertInstanceOf(Applied.class, model.deduct(1, redeem));
  }

  @Test
  void removingAParticipantFreesItsKeys() {
    model.award(1, PointsChange.of(5, "purchase").withIdempotencyKey("k"));
    assertTrue(model.removeParticipant(1));
    assertFalse(model.removeParticipant(1));
    assertFalse(model.hasParticipant(1));
    assertInstanceOf(Applied.class, model.award(2, PointsChange.of(5, "purchase").withIdempotencyKey("k")));
    assertEquals(List.of(2L), List.copyOf(model.participants()));
    assertThrows(IllegalArgumentException.class, () -> model.balance(1));
    assertThrows(IllegalArgumentException.class, () -> model.addParticipant(2));
  }

  @Test
  void aCappedDeductionTakesAtMostTheBalanceAndWithNothingLeftWritesNothing() {
    model.award(1, PointsChange.of(30, "purchase"));
    Applied part = assertInstanceOf(Applied.class, model.deductUpToBalance(1, PointsChange.of(12, "refund")));
    assertEquals(12, part.entry().amount());
    Applied rest = assertInstanceOf(Applied.class, model.deductUpToBalance(1, PointsChange.of(50, "refund")));
    assertEquals(18, rest.entry().amount());
    assertEquals(0, rest.balance());
    assertEquals(new NothingTaken(), model.deductUpToBalance(1, PointsChange.of(50, "refund")));
    assertEquals(3, model.entries(1).size());
    assertEquals(new Rejected(ErrorCode.VALIDATION_ERROR, "amount"),
        model.deductUpToBalance(1, PointsChange.of(0, "refund")));
    assertEquals(new Rejected(ErrorCode.NOT_FOUND, null), model.deductUpToBalance(99, PointsChange.of(1, "r")));
  }

  @Test
  void aCappedDeductionReplaysForTheAmountItAskedForAndLeavesAKeyFreeWhenItTookNothing() {
    PointsChange refund = PointsChange.of(50, "refund").withIdempotencyKey("r");
    assertEquals(new NothingTaken(), model.deductUpToBalance(1, refund));
    model.award(1, PointsChange.of(20, "purchase"));
    Applied first = assertInstanceOf(Applied.class, model.deductUpToBalance(1, refund));
    assertEquals(20, first.entry().amount(), "the key was still free");
    model.award(1, PointsChange.of(100, "purchase"));
    assertEquals(new Replayed(first.entry(), 0), model.deductUpToBalance(1, refund));
    Rejected conflict = new Rejected(ErrorCode.CONFLICT, "idempotencyKey");
    assertEquals(conflict, model.deductUpToBalance(1, PointsChange.of(20, "refund").withIdempotencyKey("r")),
        "asking what it took");
    assertEquals(conflict, model.deductUpToBalance(1, PointsChange.of(51, "refund").withIdempotencyKey("r")));
    assertEquals(conflict, model.deduct(1, PointsChange.of(20, "refund").withIdempotencyKey("r")),
        "a plain deduction of what it took");
    assertEquals(conflict, model.deductUpToBalance(1, PointsChange.of(19, "refund").withIdempotencyKey("r")));
    assertEquals(conflict, model.deductUpToBalance(2, refund));
    assertEquals(conflict, model.deduct(1, refund));
    assertEquals(100, model.balance(1));
  }

  @Test
  void aCappedDeductionWithAPlainDeductionsKeyAndParametersIsAConflictAndSoIsTheReverse() {
    model.award(1, PointsChange.of(100, "purchase"));
    PointsChange redeem = PointsChange.of(10, "redemption").withIdempotencyKey("d");
    PointsChange refund = PointsChange.of(10, "refund").withIdempotencyKey("c");
    Applied plain = assertInstanceOf(Applied.class, model.deduct(1, redeem));
    Applied capped = assertInstanceOf(Applied.class, model.deductUpToBalance(1, refund));
    assertEquals(10, capped.entry().amount(), "all it asked");
    Rejected conflict = new Rejected(ErrorCode.CONFLICT, "idempotencyKey");
    assertEquals(conflict, model.deductUpToBalance(1, redeem));
    assertEquals(conflict, model.deduct(1, refund));
    assertEquals(new Replayed(plain.entry(), 90), model.deduct(1, redeem));
    assertEquals(new Replayed(capped.entry(), 80), model.deductUpToBalance(1, refund));
    assertEquals(80, model.balance(1));
  }

  @Test
  void aCopyIsIndependent() {
    model.award(1, PointsChange.of(10, "purchase").withIdempotencyKey("k"));
    LedgerModel copy = model.copy();
    copy.award(1, PointsChange.of(5, "purchase"));
    copy.deduct(1, PointsChange.of(1, "purchase").withIdempotencyKey("other"));
    assertEquals(10, model.balance(1));
    assertEquals(1, model.entries(1).size());
    assertEquals(14, copy.balance(1));
    assertInstanceOf(Applied.class, model.deduct(1, PointsChange.of(1, "purchase").withIdempotencyKey("other")));
    assertEquals(copy.entries(1).get(0), model.entries(1).get(0));
    assertInstanceOf(Replayed.class, copy.award(1, PointsChange.of(10, "purchase").withIdempotencyKey("k")));
  }
}
