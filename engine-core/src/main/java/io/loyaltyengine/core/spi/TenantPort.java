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
}
