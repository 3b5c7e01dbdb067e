package io.loyaltyengine.tenant;

/**
 * Creates and reads tenants. Thread-safe.
 */
public interface Tenants {
  /**
   * Creates a tenant.
   *
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code name} or {@code type}
   */
  Tenant create(NewTenant tenant);

  /**
   * Reads a tenant.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if it does not exist
   */
  Tenant get(long tenantId);
}
