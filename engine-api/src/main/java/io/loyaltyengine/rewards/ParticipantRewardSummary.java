package io.loyaltyengine.rewards;

/**
 * A participant's standing in a campaign's rewards. Immutable.
 *
 * @param actionsAllTime all loyalty actions
 * @param actionsCurrentMonth this month's (campaign time zone)
 * @param actionsPreviousMonth last month's
 * @param unapproved earned rewards waiting for approval
 * @param unfulfilled approved rewards not yet fulfilled
 * @param winner whether the participant earned a reward that was not removed
 */
public record ParticipantRewardSummary(long actionsAllTime, long actionsCurrentMonth, long actionsPreviousMonth,
    long unapproved, long unfulfilled, boolean winner) {
}
