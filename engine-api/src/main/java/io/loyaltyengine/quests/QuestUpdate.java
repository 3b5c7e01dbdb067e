package io.loyaltyengine.quests;

import io.loyaltyengine.LoyaltyException;

/**
 * A quest's new name and description, replacing both, with the rules of {@link NewQuest}: {@code name} 1..200
 * characters, {@code description} null (none) or 1..2,000, both stripped, without control characters but the
 * description's tab, CR and LF. Its tasks and
 * their points, the completion bonus and the campaign never change, since participants' completions and the points
 * awarded refer to the tasks; whether it is active changes by {@link Quests#setActive}. Immutable.
 *
 * <pre>{@code
 * quests.update(summer.id(), QuestUpdate.of(summer).withName("Summer quest 2026"));   // only the name changes
 * }</pre>
 *
 * @param name the quest's name
 * @param description what it is about, or null for none
 */
public record QuestUpdate(String name, String description) {

  /**
   * The current name and description of {@code quest}, to change one of them.
   *
   * @param quest the quest as read
   * @return an update that would change nothing
   * @throws LoyaltyException VALIDATION_ERROR on field {@code quest} if it is null
   */
  public static QuestUpdate of(Quest quest) {
    if (quest == null) {
      throw LoyaltyException.validation("quest", "quest is required");
    }
    return new QuestUpdate(quest.name(), quest.description());
  }

  /**
   * This update with another name.
   *
   * @param text the quest's name
   * @return a new update
   */
  public QuestUpdate withName(String text) {
    return new QuestUpdate(text, description);
  }

  /**
   * This update with another description, or null for none.
   *
   * @param text what the quest is about, or null
   * @return a new update
   */
  public QuestUpdate withDescription(String text) {
    return new QuestUpdate(name, text);
  }
}
