package io.loyaltyengine.quests;

/**
 * A task of a quest to create. Validated by the engine: {@code name} 1..200 characters without control characters
 * (stripped), distinct within its quest; {@code points} 0..the engine's largest award
 * ({@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()}). Immutable.
 *
 * @param name what the participant has to do
 * @param points what completing it awards; 0 awards nothing
 */
public record NewQuestTask(String name, long points) {
}
