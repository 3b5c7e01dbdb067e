package io.loyaltyengine.core.brand;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.brand.Brands;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.core.validation.TextRules;
import java.util.List;

/** Brands of one tenant. Thread-safe when its context is. */
public final class BrandService implements Brands {
  /** Longest brand name. */
  public static final int MAX_NAME_LENGTH = 200;

  private final ScopeContext context;

  /** Creates the service. */
  public BrandService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public Brand create(NewBrand request) {
    TextRules.notNull("brand", request);
    BrandUpdate valid = validate(request.name(), request.website());
    long tenantId = context.tenantId();
    Brand brand = new Brand(context.ids().nextId(), tenantId, valid.name(), valid.website(), context.now());
    context.transactions().run(tx -> {
      TenantService.require(tx, tenantId);
      tx.brands().insert(brand);
      return null;
    });
    return brand;
  }

  @Override
  public Brand get(long brandId) {
    return context.transactions().runRead(tx -> tx.brands().find(context.tenantId(), brandId))
        .orElseThrow(() -> LoyaltyException.notFound("brand"));
  }

  @Override
  public Brand update(long brandId, BrandUpdate update) {
    TextRules.notNull("update", update);
    BrandUpdate valid = validate(update.name(), update.website());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> tx.brands().update(tenantId, brandId, valid.name(), valid.website()))
        .orElseThrow(() -> LoyaltyException.notFound("brand"));
  }

  @Override
  public List<Brand> list() {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      TenantService.require(tx, tenantId);
      return List.copyOf(tx.brands().list(tenantId));
    });
  }

  /**
   * The fields a new brand and an update share, validated in the order they are named.
   *
   * @return the name stripped, and the website reduced to its domain
   * @throws LoyaltyException VALIDATION_ERROR naming {@code name} or {@code website}
   */
  private static BrandUpdate validate(String name, String website) {
    return new BrandUpdate(TextRules.required("name", name, MAX_NAME_LENGTH),
        DomainNames.normalize("website", website));
  }
}
