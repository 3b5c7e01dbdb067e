package io.loyaltyengine.rewards;

/**
 * A participant's loyalty actions. Months follow the campaign's time zone. Immutable.
 *
 * @param allTime all actions of the participant in the campaign
 * @param currentMonth actions this month
 * @param previousMonth actions last month
 * @param rewardAllTime actions toward one reward
 * @param rewardCurrentMonth actions toward that reward this month
 */
public record ActionCounts(long allTime, long currentMonth, long previousMonth, long rewardAllTime,
    long rewardCurrentMonth) {
}
