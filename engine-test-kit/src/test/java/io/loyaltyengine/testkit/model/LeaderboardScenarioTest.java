package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leaderboard scenario's runs on the in-memory store. */
class LeaderboardScenarioTest {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30.123456789Z");

  /**
   * The clock is the engine's, shared by every run: a seed that ran after others must see the dates it sees alone,
   * or a failure printed with its seed may not come back on replay, nor while the runner shortens it.
   */
  @Test
  void aSeedSeesTheSameDatesAfterOtherSeedsAsAlone() {
    List<String> alone = lastRun(2);
    assertFalse(alone.isEmpty(), "the run reached outcomes");
    assertEquals(alone, lastRun(1, 2), "outcomes of seed 2, each with the clock's instant");
  }

  /** Runs the seeds in turn on one engine; the outcomes of the last run, each with the clock's instant. */
  private static List<String> lastRun(long... seeds) {
    SettableClock clock = SettableClock.at(START);
    List<String> seen = new ArrayList<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .build()) {
      ModelRunner<?, ?, ?> runner = LeaderboardScenario.runner(engine, clock,
          outcome -> seen.add(clock.instant() + " " + outcome)).steps(30).build();
      for (long seed : seeds) {
        seen.clear();
        runner.run(seed);
      }
    }
    return List.copyOf(seen);
  }
}
