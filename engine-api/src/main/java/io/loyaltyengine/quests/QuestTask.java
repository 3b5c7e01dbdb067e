package io.loyaltyengine.quests;

/**
 * A task of a quest. Immutable.
 *
 * @param number its number in the quest, 1..n, never changed
 * @param name what the participant has to do
 * @param points what completing it awards (0: nothing)
 */
public record QuestTask(int number, String name, long points) {
}
