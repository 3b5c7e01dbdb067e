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
 * @param plan the tenant's plan, which sets its API request rate (see {@link io.loyaltyengine.access.AccessSettings}),
 *     or null for the default plan
 */
public record Tenant(long id, String name, TenantType type, Instant createdAt, String plan) {
  /**
   * A tenant on the default plan.
   *
   * @param id the tenant's id
   * @param name display name
   * @param type business or member
   * @param createdAt when it was created
   */
  public Tenant(long id, String name, TenantType type, Instant createdAt) {
    this(id, name, type, createdAt, null);
  }

  @Override
  public String toString() {
    return "Tenant[id=" + id + ", name=" + (type == TenantType.MEMBER ? "<hidden>" : name) + ", type=" + type
        + ", createdAt=" + createdAt + ", plan=" + plan + "]";
  }
}
