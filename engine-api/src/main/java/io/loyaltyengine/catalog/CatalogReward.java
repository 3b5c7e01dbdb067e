package io.loyaltyengine.catalog;

import io.loyaltyengine.rewards.RewardType;
import java.time.Instant;

/**
 * A reward of a campaign's catalog that participants redeem with points (the advocate-program style). Immutable.
 *
 * @param id the catalog reward's id
 * @param tenantId the owning tenant
 * @param campaignId the campaign whose participants redeem it
 * @param name display name
 * @param description free text, or null
 * @param pointsCost points one redemption costs
 * @param type what it gives (informational for the host)
 * @param stock units left, or null for unlimited
 * @param active whether it can be redeemed
 * @param createdAt when it was created
 */
public record CatalogReward(long id, long tenantId, long campaignId, String name, String description,
    long pointsCost, RewardType type, Long stock, boolean active, Instant createdAt) {
}
