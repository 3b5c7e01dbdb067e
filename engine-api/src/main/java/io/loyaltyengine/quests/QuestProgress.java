package io.loyaltyengine.quests;

import java.time.Instant;
import java.util.List;

/**
 * A participant's progress in a quest. Immutable (the list is copied).
 *
 * @param questId the quest
 * @param participantId the participant
 * @param completedTasks the numbers of the tasks it completed, ascending
 * @param completed whether it completed every task
 * @param completedAt when the last of them was completed, or null while it has not
 */
public record QuestProgress(long questId, long participantId, List<Integer> completedTasks, boolean completed,
    Instant completedAt) {

  /**
   * Copies the list.
   *
   * @param questId the quest
   * @param participantId the participant
   * @param completedTasks the numbers of the tasks it completed, ascending
   * @param completed whether it completed every task
   * @param completedAt when the last of them was completed, or null while it has not
   */
  public QuestProgress {
    completedTasks = List.copyOf(completedTasks);
  }
}
