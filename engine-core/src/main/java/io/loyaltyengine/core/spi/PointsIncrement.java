package io.loyaltyengine.core.spi;

import java.time.Instant;

/**
 * Awarded points to add to one points counter ({@link LeaderboardPort#addPointsAll}). Immutable.
 *
 * @param tenantId the tenant
 * @param campaignId the participant's campaign
 * @param participantId the participant
 * @param month 0 for all time, else {@code year * 100 + month} in the campaign's zone
 * @param points the points to add, not negative
 * @param at the time of the change
 */
public record PointsIncrement(long tenantId, long campaignId, long participantId, int month, long points,
    Instant at) {
}
