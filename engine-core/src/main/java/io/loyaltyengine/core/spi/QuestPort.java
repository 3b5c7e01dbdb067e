package io.loyaltyengine.core.spi;

import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestUpdate;
import java.util.List;
import java.util.Optional;

/**
 * Quests with their tasks, and participants' completions of tasks: at most one per participant and task.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface QuestPort {
  /** Inserts a quest and its tasks. */
  void insert(Quest quest);

  /** Finds a quest of the tenant, with its tasks in number order. */
  Optional<Quest> find(long tenantId, long questId);

  /** A campaign's quests in id order, each with its tasks in number order. */
  List<Quest> list(long tenantId, long campaignId);

  /**
   * Replaces a quest's name and description with the update's (already validated), in one update that returns the
   * row it wrote; its tasks, bonus, active flag and everything else stay.
   *
   * @return the quest as the update wrote it, with its tasks in number order; empty if the tenant has no such quest
   */
  Optional<Quest> update(long tenantId, long questId, QuestUpdate update);

  /**
   * Sets whether a quest is active.
   *
   * @return whether the quest exists
   */
  boolean setActive(long tenantId, long questId, boolean active);

  /**
   * Inserts a completion unless the participant has completed that task (a unique key on tenant, quest, participant
   * and task, so that of concurrent inserts for one task exactly one is stored; one meeting another's uncommitted row
   * waits for it). The quest must have the task.
   *
   * @return whether it was inserted
   */
  boolean insertCompletionIfAbsent(QuestCompletionRecord completion);

  /** A participant's completions of a quest's tasks, in task number order. */
  List<QuestCompletionRecord> completions(long tenantId, long questId, long participantId);

  /** Deletes a participant's completions of every quest. */
  void deleteAll(long tenantId, long participantId);
}
