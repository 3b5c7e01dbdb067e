package io.loyaltyengine.campaign;

import java.time.Instant;
import java.time.ZoneId;

/**
 * A campaign of a brand. Immutable.
 *
 * @param id the campaign's id
 * @param tenantId the owning tenant
 * @param brandId the owning brand
 * @param name display name
 * @param status where it is in its life
 * @param visibility public or private
 * @param timeZone the zone whose calendar months the campaign's monthly periods follow
 * @param createdAt when it was created
 */
public record Campaign(long id, long tenantId, long brandId, String name, CampaignStatus status,
    CampaignVisibility visibility, ZoneId timeZone, Instant createdAt) {
}
