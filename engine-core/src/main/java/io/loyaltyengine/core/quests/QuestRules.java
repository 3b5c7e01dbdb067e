package io.loyaltyengine.core.quests;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.QuestTask;
import io.loyaltyengine.quests.QuestUpdate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure rules of quests: which new quests and updates are valid, and the ledger keys their awards carry.
 *
 * <p>Thread-safe: stateless.
 */
final class QuestRules {
  /** Longest quest or task name. */
  static final int MAX_NAME_LENGTH = 200;
  /** Longest description. */
  static final int MAX_DESCRIPTION_LENGTH = 2_000;
  /** Most tasks in a quest. */
  static final int MAX_TASKS = 50;

  private QuestRules() {
  }

  /** A validated new quest: stripped texts and its tasks numbered 1..n. */
  record ValidQuest(long campaignId, String name, String description, List<QuestTask> tasks, long completionBonus) {
  }

  /**
   * Validates a new quest.
   *
   * @throws LoyaltyException VALIDATION_ERROR naming {@code quest}, {@code name}, {@code description},
   *     {@code tasks}, {@code tasks[i]}, {@code tasks[i].name}, {@code tasks[i].points} or {@code completionBonus}
   */
  static ValidQuest validate(NewQuest quest, EngineLimits limits) {
    TextRules.notNull("quest", quest);
    QuestUpdate shown = presentation(quest.name(), quest.description());
    List<NewQuestTask> given = TextRules.notNull("tasks", quest.tasks());
    if (given.isEmpty() || given.size() > MAX_TASKS) {
      throw LoyaltyException.validation("tasks", "tasks must hold 1 to " + MAX_TASKS + " tasks");
    }
    List<QuestTask> tasks = new ArrayList<>(given.size());
    Set<String> names = new HashSet<>();
    for (int i = 0; i < given.size(); i++) {
      String field = "tasks[" + i + "]";
      NewQuestTask task = TextRules.notNull(field, given.get(i));
      String taskName = TextRules.required(field + ".name", task.name(), MAX_NAME_LENGTH);
      if (!names.add(taskName)) {
        throw LoyaltyException.validation(field + ".name", field + ".name repeats the name of an earlier task");
      }
      points(field + ".points", task.points(), limits);
      tasks.add(new QuestTask(i + 1, taskName, task.points()));
    }
    points("completionBonus", quest.completionBonus(), limits);
    return new ValidQuest(quest.campaignId(), shown.name(), shown.description(), List.copyOf(tasks),
        quest.completionBonus());
  }

  /**
   * Validates an update, with the rules of {@link #validate(NewQuest, EngineLimits)} for its fields.
   *
   * @return the update with its texts stripped
   * @throws LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name} or {@code description}
   */
  static QuestUpdate validate(QuestUpdate update) {
    TextRules.notNull("update", update);
    return presentation(update.name(), update.description());
  }

  /** The fields a new quest and an update share, validated in the order they are named. */
  private static QuestUpdate presentation(String rawName, String rawDescription) {
    String name = TextRules.required("name", rawName, MAX_NAME_LENGTH);
    String description = TextRules.optionalLines("description", rawDescription, MAX_DESCRIPTION_LENGTH);
    return new QuestUpdate(name, description);
  }

  private static void points(String field, long points, EngineLimits limits) {
    if (points < 0 || points > limits.maxPointsPerOperation()) {
      throw LoyaltyException.validation(field,
          field + " must be between 0 and " + limits.maxPointsPerOperation());
    }
  }

  /** The ledger key of a participant's award for a task: unique per tenant, so it names the participant. */
  static String taskKey(long questId, long participantId, int taskNumber) {
    return QuestService.TASK_KEY_PREFIX + questId + ":" + participantId + ":" + taskNumber;
  }

  /** The ledger key of a participant's completion bonus of a quest. */
  static String bonusKey(long questId, long participantId) {
    return QuestService.BONUS_KEY_PREFIX + questId + ":" + participantId;
  }
}
