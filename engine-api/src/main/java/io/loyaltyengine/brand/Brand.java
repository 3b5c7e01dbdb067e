package io.loyaltyengine.brand;

import java.time.Instant;

/**
 * A brand: a website, identified by its domain, that owns campaigns. Immutable.
 *
 * @param id the brand's id
 * @param tenantId the owning tenant
 * @param name display name
 * @param domain the normalized host name, for example {@code shop.example.com}
 * @param createdAt when it was created
 */
public record Brand(long id, long tenantId, String name, String domain, Instant createdAt) {
}
