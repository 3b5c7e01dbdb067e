package io.loyaltyengine.core.tenant;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.Tenants;
import java.util.function.LongConsumer;

/** Tenants. Thread-safe: stateless apart from its context. */
public final class TenantService implements Tenants {
  /** Longest tenant name. */
  public static final int MAX_NAME_LENGTH = 200;

  private final ScopeContext context;
  /**
   * Told the id of a tenant whose plan changed, after the change committed or when its commit's answer was lost (the
   * engine's key cache).
   */
  private final LongConsumer planChanged;

  /** Creates the service. */
  public TenantService(ScopeContext context) {
    this(context, tenantId -> { });
  }

  /** Creates the service, telling {@code planChanged} of each plan change. */
  public TenantService(ScopeContext context, LongConsumer planChanged) {
    this.context = context;
    this.planChanged = planChanged;
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

  /**
   * Reads a tenant inside a unit of work, or fails with NOT_FOUND: what every operation of a scope answers for a
   * tenant that does not exist, also where no row of the tenant's would be found otherwise (a list, a first insert).
   */
  public static Tenant require(Transaction tx, long tenantId) {
    return tx.tenants().find(tenantId).orElseThrow(() -> LoyaltyException.notFound("tenant"));
  }

  @Override
  public Tenant get(long tenantId) {
    return context.transactions().runRead(tx -> tx.tenants().find(tenantId))
        .orElseThrow(() -> LoyaltyException.notFound("tenant"));
  }

  @Override
  public Tenant changePlan(long tenantId, String plan) {
    if (plan != null && !AccessSettings.isPlanName(plan)) {
      throw LoyaltyException.validation("plan", "plan must be 1 to " + AccessSettings.MAX_PLAN_NAME_LENGTH
          + " characters of a-z, 0-9, _ and -");
    }
    // Told also when the commit's answer was lost (the change may have committed): that costs the tenant's cached
    // keys one read.
    return context.transactions().runThenForget(tx -> {
      if (!tx.tenants().updatePlan(tenantId, plan)) {
        throw LoyaltyException.notFound("tenant");
      }
      return tx.tenants().find(tenantId).orElseThrow();
    }, () -> planChanged.accept(tenantId));
  }
}
