package io.loyaltyengine.core.spi;

import io.loyaltyengine.tenant.Tenant;
import java.util.Optional;

/** Tenants. */
public interface TenantPort {
  /** Inserts a new tenant. */
  void insert(Tenant tenant);

  /** Finds a tenant by id. */
  Optional<Tenant> find(long tenantId);
}
