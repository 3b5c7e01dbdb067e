package io.loyaltyengine.tenant;

/**
 * Creates and reads tenants. Thread-safe.
 */
public interface Tenants {
  /**
   * Creates a tenant.
   *
   * @param tenant the new tenant's name and type
   * @return the created tenant
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code tenant} (null), {@code name} or
   *     {@code type}
   */
  Tenant create(NewTenant tenant);

  /**
   * Reads a tenant.
   *
   * @param tenantId the tenant's id
   * @return the tenant
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if it does not exist
   */
  Tenant get(long tenantId);

  /**
   * Moves a tenant to another plan, which sets its API request rate (see
   * {@link io.loyaltyengine.access.AccessSettings}). Engines read a tenant's plan with its API keys: the instance
   * that changes it applies the new plan at once, others within their key cache TTL.
   *
   * @param tenantId the tenant's id
   * @param plan the plan's name, 1..50 characters of {@code a-z 0-9 _ -}; null for the default plan. Need not be
   *     configured on this instance (a tenant on a plan not configured here is held to the default plan)
   * @return the tenant on its new plan
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code plan}; NOT_FOUND if the tenant does not
   *     exist
   */
  Tenant changePlan(long tenantId, String plan);
}
