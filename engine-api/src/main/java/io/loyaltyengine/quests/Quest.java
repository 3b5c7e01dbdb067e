package io.loyaltyengine.quests;

import java.time.Instant;
import java.util.List;

/**
 * A quest: tasks a campaign's participants complete for points, and a bonus for completing them all. Nothing in it
 * changes once created but its name and description ({@link Quests#update}) and {@code active}. Immutable.
 *
 * @param id the quest's id
 * @param tenantId the owning tenant
 * @param campaignId the campaign whose participants can complete it
 * @param name the quest's name
 * @param description what it is about, or null
 * @param tasks its tasks, numbered 1..n in order
 * @param completionBonus what completing every task awards on top of the tasks' points (0: nothing)
 * @param active whether tasks can be completed now
 * @param createdAt when it was created
 */
public record Quest(long id, long tenantId, long campaignId, String name, String description, List<QuestTask> tasks,
    long completionBonus, boolean active, Instant createdAt) {

  /**
   * Copies the task list.
   *
   * @param id the quest's id
   * @param tenantId the owning tenant
   * @param campaignId the campaign whose participants can complete it
   * @param name the quest's name
   * @param description what it is about, or null
   * @param tasks its tasks, numbered 1..n in order
   * @param completionBonus what completing every task awards on top of the tasks' points (0: nothing)
   * @param active whether tasks can be completed now
   * @param createdAt when it was created
   */
  public Quest {
    tasks = List.copyOf(tasks);
  }

  /**
   * This quest, active or not.
   *
   * @param active whether tasks can be completed
   * @return a copy of this quest
   */
  public Quest withActive(boolean active) {
    return new Quest(id, tenantId, campaignId, name, description, tasks, completionBonus, active, createdAt);
  }
}
