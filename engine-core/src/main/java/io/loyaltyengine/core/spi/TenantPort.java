package io.loyaltyengine.core.spi;

import io.loyaltyengine.tenant.Tenant;
import java.util.Optional;

/**
 * Tenants.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface TenantPort {
  /** Inserts a new tenant. */
  void insert(Tenant tenant);

  /** Finds a tenant by id. */
  Optional<Tenant> find(long tenantId);

  /**
   * Finds a tenant and locks its row until the end of the transaction, so that checks over the tenant's rows (the
   * number of its live API keys) and the write they allow cannot interleave with another's.
   */
  Optional<Tenant> lock(long tenantId);

  /**
   * Sets a tenant's plan (null for the default plan).
   *
   * @return whether the tenant exists
   */
  boolean updatePlan(long tenantId, String plan);
}
