package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The scenarios' default seeds, on the in-memory store: a model test that never reaches one of its outcomes is void.
 */
class ScenarioOutcomesTest {
  @Test
  void catalogDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome((engine, clock, outcomes) -> CatalogScenario.runner(engine, outcomes),
        CatalogScenario.defaultSeeds(), CatalogScenario.outcomes());
  }

  @Test
  void feedbackDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome((engine, clock, outcomes) -> FeedbackScenario.runner(engine, outcomes),
        FeedbackScenario.defaultSeeds(), FeedbackScenario.outcomes());
  }

  @Test
  void questDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome(QuestScenario::runner, QuestScenario.defaultSeeds(), QuestScenario.outcomes());
  }

  @Test
  void rewardDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome(RewardScenario::runner, RewardScenario.defaultSeeds(),
        RewardScenario.outcomes());
  }

  @Test
  void referralDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome((engine, clock, outcomes) -> ReferralScenario.runner(engine, outcomes),
        ReferralScenario.defaultSeeds(), ReferralScenario.outcomes());
  }

  @Test
  void testimonialDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome(TestimonialScenario::runner, TestimonialScenario.defaultSeeds(),
        TestimonialScenario.outcomes());
  }

  /** The access scenario needs its plans configured. */
  @Test
  void accessDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome(engine -> engine.access(AccessScenario.SETTINGS), AccessScenario::runner,
        AccessScenario.defaultSeeds(), AccessScenario.outcomes());
  }

  /** The profile scenario needs its limits and single sign-on settings. */
  @Test
  void profileDefaultSeedsAloneReachEveryOutcomeIn120Steps() {
    assertDefaultSeedsReachEveryOutcome(engine -> engine.limits(ProfileScenario.LIMITS)
        .singleSignOn(ProfileScenario.SSO), ProfileScenario::runner, ProfileScenario.defaultSeeds(),
        ProfileScenario.outcomes());
  }

  private static void assertDefaultSeedsReachEveryOutcome(Scenario scenario, long[] seeds, List<String> outcomes) {
    assertDefaultSeedsReachEveryOutcome(engine -> engine, scenario, seeds, outcomes);
  }

  /**
   * Runs {@code seeds} for 120 steps each on one engine (dispatching events manually, as the scenarios that read the
   * change feed ask, and set up further by {@code configure}) and asserts that every one of {@code outcomes}
   * happened.
   */
  private static void assertDefaultSeedsReachEveryOutcome(UnaryOperator<LoyaltyEngine.Builder> configure,
      Scenario scenario, long[] seeds, List<String> outcomes) {
    Map<String, Integer> reached = new TreeMap<>();
    SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
    try (LoyaltyEngine engine = configure.apply(LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build()))
        .build()) {
      ModelRunner<?, ?, ?> runner = scenario.runner(engine, clock, outcome -> reached.merge(outcome, 1, Integer::sum))
          .steps(120).build();
      for (long seed : seeds) {
        runner.run(seed);
      }
    }
    for (String outcome : outcomes) {
      assertTrue(reached.getOrDefault(outcome, 0) > 0, outcome + " never happens: " + reached);
    }
  }

  /** A scenario's runner builder on an engine and its clock. */
  @FunctionalInterface
  private interface Scenario {
    ModelRunner.Builder<?, ?, ?> runner(LoyaltyEngine engine, SettableClock clock, Consumer<String> outcomes);
  }
}
