package io.loyaltyengine.core.tenant;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.Tenants;

/** Tenants. Thread-safe: stateless apart from its context. */
public final class TenantService implements Tenants {
  /** Longest tenant name. */
  public static final int MAX_NAME_LENGTH = 200;

  private final ScopeContext context;

  /** Creates the service. */
  public TenantService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public Tenant create(NewTenant request) {
    TextRules.notNull("tenant", request);
    String name = TextRules.required("name", request.name(), MAX_NAME_LENGTH);
    TextRules.notNull("type", request.type());
    Tenant tenant = new Tenant(context.ids().nextId(), name, request.type(), context.now());
    context.transactions().run(tx -> {
      tx.tenants().insert(tenant);
      return null;
    });
    return tenant;
  }

  @Override
  public Tenant get(long tenantId) {
    return context.transactions().run(tx -> tx.tenants().find(tenantId))
        .orElseThrow(() -> LoyaltyException.notFound("tenant"));
  }
}
