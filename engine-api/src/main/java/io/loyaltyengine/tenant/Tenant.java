package io.loyaltyengine.tenant;

import java.time.Instant;

/**
 * A tenant: the account that owns brands, campaigns and participants. Immutable.
 *
 * @param id the tenant's id
 * @param name display name
 * @param type business or member
 * @param createdAt when it was created
 */
public record Tenant(long id, String name, TenantType type, Instant createdAt) {
}
