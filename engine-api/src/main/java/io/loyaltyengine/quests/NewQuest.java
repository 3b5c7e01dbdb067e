package io.loyaltyengine.quests;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A quest to create. Validated by the engine: {@code name} 1..200 characters, {@code description} null or 1..2,000
 * (both stripped, without control characters, but the description may span lines: tab, CR and LF are kept);
 * 1..50 {@code tasks} with distinct names, numbered 1..n in this order; {@code completionBonus} 0..the engine's
 * largest award ({@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()}).
 * A new quest is active. Immutable (the task list is copied).
 *
 * @param campaignId the campaign whose participants can complete it
 * @param name the quest's name
 * @param description what it is about, or null
 * @param tasks its tasks, in order
 * @param completionBonus what completing every task awards on top of the tasks' points; 0 awards nothing
 */
public record NewQuest(long campaignId, String name, String description, List<NewQuestTask> tasks,
    long completionBonus) {

  /**
   * Copies the task list (null, or null tasks, stay for the engine to refuse).
   *
   * @param campaignId the campaign whose participants can complete it
   * @param name the quest's name
   * @param description what it is about, or null
   * @param tasks its tasks, in order
   * @param completionBonus what completing every task awards on top of the tasks' points; 0 awards nothing
   */
  public NewQuest {
    tasks = tasks == null ? null : Collections.unmodifiableList(new ArrayList<>(tasks));
  }
}
