package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The feedback scenario's default seeds, on the in-memory store: a model test that never reaches an outcome is void. */
class FeedbackScenarioTest {
  @Test
  void defaultSeedsAloneReachEveryOutcomeIn120Steps() {
    Map<String, Integer> reached = new TreeMap<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(SettableClock.at(Instant.parse("2025-03-01T10:15:30Z")))
        .build()) {
      ModelRunner<?, ?, ?> runner = FeedbackScenario.runner(engine, outcome -> reached.merge(outcome, 1, Integer::sum))
          .steps(120).build();
      for (long seed : FeedbackScenario.defaultSeeds()) {
        runner.run(seed);
      }
    }
    for (String outcome : FeedbackScenario.outcomes()) {
      assertTrue(reached.getOrDefault(outcome, 0) > 0, outcome + " never happens: " + reached);
    }
  }
}
