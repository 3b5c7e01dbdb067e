package io.loyaltyengine.core.spi;

import io.loyaltyengine.leaderboard.BoardMetric;
import java.time.Instant;

/**
 * A counter's value after a change. Immutable. Counters only grow (deletion removes them), so applying a change
 * keeps the larger of the known and the changed value.
 *
 * @param participantId the participant
 * @param metric which counter
 * @param month 0 for all time, else {@code year * 100 + month}
 * @param score the counter's value
 * @param changedAt when it last changed
 */
public record ScoreChange(long participantId, BoardMetric metric, int month, long score, Instant changedAt) {
}
