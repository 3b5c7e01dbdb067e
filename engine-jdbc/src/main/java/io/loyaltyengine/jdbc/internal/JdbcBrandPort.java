package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.core.spi.BrandPort;
import io.loyaltyengine.core.spi.UniqueKey;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Brands in table {@code brand}. Not thread-safe: confined to its transaction. */
final class JdbcBrandPort extends JdbcPort implements BrandPort {
  JdbcBrandPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(Brand brand) {
    run("brand insert", UniqueKey.BRAND_DOMAIN, () -> handle.createUpdate(Sql.BRAND_INSERT)
        .bind("tenantId", brand.tenantId())
        .bind("brandId", brand.id())
        .bind("name", brand.name())
        .bind("domain", brand.domain())
        .bind("createdAt", Rows.timestamp(brand.createdAt()))
        .execute());
  }

  @Override
  public Optional<Brand> find(long tenantId, long brandId) {
    return run("brand find", () -> handle.createQuery(Sql.BRAND_FIND)
        .bind("tenantId", tenantId)
        .bind("brandId", brandId)
        .map(Rows.BRAND)
        .findOne());
  }

  @Override
  public Optional<Brand> update(long tenantId, long brandId, String name, String domain) {
    return run("brand update", UniqueKey.BRAND_DOMAIN, () -> handle.createQuery(sql.brandUpdate())
        .bind("tenantId", tenantId)
        .bind("brandId", brandId)
        .bind("name", name)
        .bind("domain", domain)
        .map(Rows.BRAND)
        .findOne());
  }

  @Override
  public List<Brand> list(long tenantId) {
    return run("brand list", () -> handle.createQuery(Sql.BRAND_LIST)
        .bind("tenantId", tenantId)
        .map(Rows.BRAND)
        .list());
  }
}
