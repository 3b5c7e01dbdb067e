package io.loyaltyengine.testkit.model;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Seeds of the quest scenario that found a defect, replayed on the in-memory store so that it stays fixed. */
class QuestScenarioTest {

  /**
   * A host's award took the ledger key of a task, or of a bonus, of 0 points; the completion went through (nothing to
   * award), and its replay answered the host's entry as the task's award or the bonus, where the model (and
   * {@link io.loyaltyengine.quests.TaskCompletion}'s javadoc) says none. Seed 33 found it; once the scenario also
   * deleted participants and moved the clock its sequence no longer reached either case, and seed 516's reaches both
   * (checked by putting the defect back: the task's case, then, alone, the bonus's).
   */
  @Test
  void seed516AReplayOfATaskOrBonusOfZeroPointsWhoseKeyAHostTookAnswersNoAward() {
    run(516L);
  }

  private static void run(long seed) {
    SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .build()) {
      QuestScenario.runner(engine, clock, outcome -> { }).steps(120).build().run(seed);
    }
  }
}
