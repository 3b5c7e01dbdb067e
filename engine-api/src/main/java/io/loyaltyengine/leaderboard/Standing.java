package io.loyaltyengine.leaderboard;

/**
 * A participant's place on its campaign's boards of one metric. Immutable.
 *
 * @param participantId the participant
 * @param metric what the scores count
 * @param score all-time score
 * @param rank all-time rank
 * @param monthScore this month's score
 * @param monthlyRank this month's rank
 * @param previousMonthScore last month's score
 * @param previousMonthRank last month's rank, or null if the participant did not exist during last month
 */
public record Standing(long participantId, BoardMetric metric, long score, long rank, long monthScore,
    long monthlyRank, long previousMonthScore, Long previousMonthRank) {
}
