package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.TenantPort;
import io.loyaltyengine.tenant.Tenant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Tenants in table {@code tenant}. Not thread-safe: confined to its transaction. */
final class JdbcTenantPort extends JdbcPort implements TenantPort {
  JdbcTenantPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(Tenant tenant) {
    run("tenant insert", () -> handle.createUpdate(Sql.TENANT_INSERT)
        .bind("tenantId", tenant.id())
        .bind("name", tenant.name())
        .bind("type", tenant.type().name())
        .bind("createdAt", Rows.timestamp(tenant.createdAt()))
        .bind("plan", tenant.plan())
        .execute());
  }

  @Override
  public Optional<Tenant> find(long tenantId) {
    return run("tenant find", () -> handle.createQuery(Sql.TENANT_FIND)
        .bind("tenantId", tenantId)
        .map(Rows.TENANT)
        .findOne());
  }

  @Override
  public Optional<Tenant> lock(long tenantId) {
    return run("tenant lock", () -> handle.createQuery(sql.tenantLock())
        .bind("tenantId", tenantId)
        .map(Rows.TENANT)
        .findOne());
  }

  @Override
  public boolean updatePlan(long tenantId, String plan) {
    return run("tenant update plan", () -> handle.createUpdate(Sql.TENANT_UPDATE_PLAN)
        .bind("tenantId", tenantId)
        .bind("plan", plan)
        .execute()) > 0;
  }
}
