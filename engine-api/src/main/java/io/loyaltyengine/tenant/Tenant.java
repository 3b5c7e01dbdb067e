package io.loyaltyengine.tenant;

import java.time.Instant;

/**
 * A tenant: the account that owns brands, campaigns and participants. {@link #toString()} hides the name of a
 * member account, a person's name. Immutable.
 *
 * @param id the tenant's id
 * @param name display name
 * @param type business or member
 * @param createdAt when it was created
 */
public record Tenant(long id, String name, TenantType type, Instant createdAt) {
  @Override
  public String toString() {
    return "Tenant[id=" + id + ", name=" + (type == TenantType.MEMBER ? "<hidden>" : name) + ", type=" + type
        + ", createdAt=" + createdAt + "]";
  }
}
