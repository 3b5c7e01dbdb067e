package io.loyaltyengine.referrals;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A tracked conversion. Immutable.
 *
 * @param id the conversion's id
 * @param tenantId the tenant
 * @param campaignId the campaign
 * @param referrerId the participant whose code converted
 * @param orderId the host's order id
 * @param orderValue the order's value
 * @param points points awarded to the referrer (0 for a REJECTED one)
 * @param status converted, reversed, or rejected as a self-referral
 * @param pointsReversed points taken back by the reversal (at most {@code points}), else 0
 * @param createdAt when it was tracked
 * @param reversedAt when it was reversed, or null
 */
public record Conversion(long id, long tenantId, long campaignId, long referrerId, String orderId,
    BigDecimal orderValue, long points, ConversionStatus status, long pointsReversed, Instant createdAt,
    Instant reversedAt) {
}
