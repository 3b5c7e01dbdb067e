package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.model.LedgerModel.Applied;
import io.loyaltyengine.testkit.model.LedgerModel.NothingTaken;
import io.loyaltyengine.testkit.model.LedgerModel.Outcome;
import io.loyaltyengine.testkit.model.LedgerModel.Rejected;
import io.loyaltyengine.testkit.model.LedgerModel.Replayed;
import io.loyaltyengine.testkit.model.LedgerScenario.Award;
import io.loyaltyengine.testkit.model.LedgerScenario.Bulk;
import io.loyaltyengine.testkit.model.LedgerScenario.Concurrently;
import io.loyaltyengine.testkit.model.LedgerScenario.Deduct;
import io.loyaltyengine.testkit.model.LedgerScenario.DeductUpTo;
import io.loyaltyengine.testkit.model.LedgerScenario.Enrol;
import io.loyaltyengine.testkit.model.LedgerScenario.Op;
import io.loyaltyengine.testkit.model.LedgerScenario.Points;
import io.loyaltyengine.testkit.model.LedgerScenario.UpdateProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The scenario's operations, checked against the model alone: a model test that never reaches an outcome is void. */
class LedgerScenarioTest {
  private static final long MAX = Long.MAX_VALUE / 3;

  @Test
  void defaultSeedsReachEveryOutcomeOfTheModelIn200Steps() {
    Map<String, Integer> outcomes = new TreeMap<>();
    for (long seed : LedgerScenario.defaultSeeds()) {
      LedgerModel model = new LedgerModel(MAX);
      model.addParticipant(0);
      model.addParticipant(1);
      int slots = 2;
      for (Op op : generate(seed, 200)) {
        if (op instanceof Enrol) {
          model.addParticipant(slots++);
          count(outcomes, "enrol");
        } else if (op instanceof UpdateProfile) {
          count(outcomes, "profile update");
        } else if (op instanceof Points p && p.slot() < slots) {
          String outcome = describe(p, predict(model, p));
          count(outcomes, outcome);
          count(outcomes, "any: " + outcome);
        } else if (op instanceof Bulk b) {
          count(outcomes, b.nullAt() >= 0 ? "bulk refused for a null" : "bulk");
          if (b.nullAt() < 0) {
            predictAll(model, b.operations(), slots, "bulk: ", outcomes);
          }
        } else if (op instanceof Concurrently c) {
          count(outcomes, "concurrently");
          if (c.callers().stream().distinct().count() < c.callers().size()) {
            count(outcomes, "concurrently: one key from two callers");
          }
          if (c.callers().stream().anyMatch(Bulk.class::isInstance)) {
            count(outcomes, "concurrently: a bulk caller");
          }
          predictAll(model, c.points(), slots, "concurrently: ", outcomes);
        }
      }
    }
    for (String expected : List.of("applied award", "applied deduct", "replayed", "CONFLICT on idempotencyKey",
        "INSUFFICIENT_POINTS", "VALIDATION_ERROR on amount (bad amount)",
        "any: VALIDATION_ERROR on amount (overflow)", "enrol", "profile update", "applied deduct up to (all asked)", "applied deduct up to (capped)",
        "nothing taken", "bulk", "bulk refused for a null", "bulk: applied award", "bulk: applied deduct",
        "bulk: replayed", "bulk: NOT_FOUND", "bulk: INSUFFICIENT_POINTS", "bulk: applied deduct up to (capped)",
        "bulk: VALIDATION_ERROR on amount (bad amount)", "concurrently", "concurrently: one key from two callers",
        "concurrently: a bulk caller", "concurrently: applied award", "concurrently: applied deduct",
        "concurrently: replayed", "concurrently: INSUFFICIENT_POINTS")) {
      assertTrue(outcomes.getOrDefault(expected, 0) > 0, expected + " never happens: " + outcomes);
    }
  }

  @Test
  void sameSeedGivesTheSameOperationsWithReadableNames() {
    assertEquals(generate(3, 50), generate(3, 50));
    for (Op op : generate(3, 50)) {
      String text = op.toString();
      assertTrue(text.matches("(award|deduct|deduct up to|update|enrol|bulk of|concurrently) .*"), text);
    }
  }

  private static List<Op> generate(long seed, int steps) {
    ModelRunner.Operations<Op> ops = LedgerScenario.operations(MAX);
    RandomGenerator random = Gen.random(seed);
    List<Op> generated = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      generated.add(ops.next(random, List.copyOf(generated)));
    }
    return generated;
  }

  private static Outcome predict(LedgerModel model, Points p) {
    PointsChange change = new PointsChange(p.amount(), p.type(), p.description(), p.idempotencyKey());
    return p instanceof Award ? model.award(p.slot(), change)
        : p instanceof DeductUpTo ? model.deductUpToBalance(p.slot(), change)
        : model.deduct(p.slot(), change);
  }

  private static void predictAll(LedgerModel model, List<Points> ops, int slots, String prefix,
      Map<String, Integer> outcomes) {
    for (Points p : ops) {
      if (p.slot() < slots || p.slot() == LedgerScenario.NOBODY) {
        String outcome = describe(p, predict(model, p));
        count(outcomes, prefix + outcome);
        count(outcomes, "any: " + outcome);
      }
    }
  }

  private static String describe(Points p, Outcome outcome) {
    if (outcome instanceof NothingTaken) {
      return "nothing taken";
    }
    if (outcome instanceof Applied a) {
      return p instanceof Award ? "applied award"
          : p instanceof Deduct ? "applied deduct"
          : a.entry().amount() < p.amount() ? "applied deduct up to (capped)" : "applied deduct up to (all asked)";
    }
    if (outcome instanceof Replayed) {
      return "replayed";
    }
    Rejected r = (Rejected) outcome;
    String text = r.code() + (r.field() == null ? "" : " on " + r.field());
    if (r.field() != null && r.field().equals("amount")) {
      text += p.amount() >= 1 && p.amount() <= MAX ? " (overflow)" : " (bad amount)";
    }
    return text;
  }

  private static void count(Map<String, Integer> counts, String key) {
    counts.merge(key, 1, Integer::sum);
  }
}
