package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The event scenario's runs on the in-memory store. */
class EventScenarioTest {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30.123456789Z");

  @Test
  void defaultSeedsAloneReachEveryOutcomeIn100Steps() {
    Map<String, Integer> reached = new TreeMap<>();
    SettableClock clock = SettableClock.at(START);
    run(clock, outcome -> reached.merge(outcome, 1, Integer::sum), EventScenario.defaultSeeds());
    for (String outcome : EventScenario.outcomes()) {
      assertTrue(reached.getOrDefault(outcome, 0) > 0, outcome + " never happens: " + reached);
    }
  }

  /**
   * Runs share the engine and its clock: a seed that ran after others must reach the same outcomes at the same
   * instants as alone, or a failure printed with its seed may not come back on replay, nor while it is shortened.
   */
  @Test
  void aSeedRunsTheSameAfterOtherSeedsAsAlone() {
    List<String> alone = lastRun(2);
    List<String> after = lastRun(1, 2);
    for (int i = 0; i < Math.min(alone.size(), after.size()); i++) {
      assertEquals(alone.get(i), after.get(i), "outcome " + i + " of seed 2, with the clock's instant");
    }
    assertEquals(alone.size(), after.size(), "outcomes of seed 2");
  }

  @Test
  void theScenarioRefusesAnEngineThatDispatchesInTheBackgroundOrPrunesWithinARun() {
    SettableClock clock = SettableClock.at(START);
    try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock).events(EventScenario.SETTINGS).build()) {
      assertThrows(IllegalArgumentException.class, () -> EventScenario.runner(engine, clock, EventSettings.DEFAULTS,
          outcome -> { }));
      assertThrows(IllegalArgumentException.class, () -> EventScenario.runner(engine, clock,
          EventSettings.builder().manualDispatch().retention(Duration.ofHours(1)).build(), outcome -> { }));
    }
  }

  /** Runs the seeds in turn on one engine; the outcomes of the last run, each with the clock's instant. */
  private static List<String> lastRun(long... seeds) {
    SettableClock clock = SettableClock.at(START);
    List<String> seen = new ArrayList<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventScenario.SETTINGS)
        .build()) {
      ModelRunner<?, ?, ?> runner = EventScenario.runner(engine, clock, EventScenario.SETTINGS,
          outcome -> seen.add(clock.instant() + " " + outcome)).steps(100).build();
      for (long seed : seeds) {
        seen.clear();
        runner.run(seed);
      }
    }
    assertFalse(seen.isEmpty(), "the run reached outcomes");
    return List.copyOf(seen);
  }

  private static void run(SettableClock clock, Consumer<String> outcomes, long... seeds) {
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventScenario.SETTINGS)
        .build()) {
      ModelRunner<?, ?, ?> runner = EventScenario.runner(engine, clock, EventScenario.SETTINGS, outcomes)
          .steps(100).build();
      for (long seed : seeds) {
        runner.run(seed);
      }
    }
  }
}
