package io.loyaltyengine.core.spi;

import java.time.Instant;

/**
 * A participant's completion of a quest's task, as stored: at most one per participant and task. Immutable.
 *
 * @param tenantId the owning tenant
 * @param questId the quest
 * @param participantId who completed the task
 * @param taskNumber the task, 1..n
 * @param completesQuest whether this completion was the one that completed the quest (its last task done)
 * @param completedAt when it was completed
 */
public record QuestCompletionRecord(long tenantId, long questId, long participantId, int taskNumber,
    boolean completesQuest, Instant completedAt) {
}
