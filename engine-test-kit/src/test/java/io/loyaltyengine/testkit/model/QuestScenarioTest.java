package io.loyaltyengine.testkit.model;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Seeds of the quest scenario that found a defect, replayed on the in-memory store so that it stays fixed. */
class QuestScenarioTest {

  /**
   * Seed 33: a host's award took the ledger key of a task, or of a bonus, of 0 points; the completion went through
   * (nothing to award), and its replay answered the host's entry as the task's award or the bonus, where the model
   * (and {@link io.loyaltyengine.quests.TaskCompletion}'s javadoc) says none. Its sequence reached the task's case
   * first, and, since the quests are created less often, the bonus's.
   */
  @Test
  void seed33AReplayOfATaskOrBonusOfZeroPointsWhoseKeyAHostTookAnswersNoAward() {
    run(33L);
  }

  private static void run(long seed) {
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(SettableClock.at(Instant.parse("2025-03-01T10:15:30Z")))
        .build()) {
      QuestScenario.runner(engine, outcome -> { }).steps(120).build().run(seed);
    }
  }
}
