package io.loyaltyengine.leaderboard;

/**
 * One row of a board. Immutable.
 *
 * @param participantId the participant
 * @param score its score on the board
 * @param rank 1 + the number of participants on the board with a strictly higher score (equal scores share a rank)
 */
public record BoardEntry(long participantId, long score, long rank) {
}
