package io.loyaltyengine.core.spi;

import java.time.Instant;

/**
 * A board member's score. Immutable.
 *
 * @param participantId the participant
 * @param score its score (0 without a counter)
 * @param createdAt when the participant was created
 */
public record BoardScore(long participantId, long score, Instant createdAt) {
}
