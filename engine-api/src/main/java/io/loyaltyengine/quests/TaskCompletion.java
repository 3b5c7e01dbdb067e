package io.loyaltyengine.quests;

import io.loyaltyengine.points.PointsResult;

/**
 * The answer to a task's completion. A replay (the task was completed before) carries what the first completion
 * did: the same ledger entries, and whether it completed the quest. Immutable.
 *
 * @param questId the quest
 * @param participantId who completed the task
 * @param taskNumber the task
 * @param points the award of the task's points, or null for a task of 0 points; in a replay, the first award's
 *     entry and the balance it left, with {@code replayed() == true}
 * @param questCompleted whether this completion was the one that completed the quest (its last task)
 * @param bonus the award of the completion bonus, or null if this completion did not complete the quest or the
 *     bonus is 0
 * @param replayed whether the task had been completed before, so that nothing changed
 */
public record TaskCompletion(long questId, long participantId, int taskNumber, PointsResult points,
    boolean questCompleted, PointsResult bonus, boolean replayed) {
}
