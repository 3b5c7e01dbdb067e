package io.loyaltyengine.referrals;

/**
 * Referral counts of a brand over all its campaigns. Immutable.
 *
 * @param brandId the brand
 * @param campaigns its campaigns
 * @param participants participants of its campaigns
 * @param shares SHARE tracks
 * @param clicks VISIT tracks
 * @param impressions IMPRESSION tracks
 */
public record BrandStats(long brandId, long campaigns, long participants, long shares, long clicks,
    long impressions) {
}
