package io.loyaltyengine.feedback;

/**
 * The answer to a vote or a withdrawal. Immutable.
 *
 * @param ideaId the idea
 * @param votes the idea's votes after the call
 * @param changed whether the call changed anything: false for a repeated vote or the withdrawal of a vote that was
 *     not there
 */
public record VoteResult(long ideaId, long votes, boolean changed) {
}
