package io.loyaltyengine.core.spi;

import io.loyaltyengine.brand.Brand;
import java.util.List;
import java.util.Optional;

/**
 * Brands of a tenant.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface BrandPort {
  /**
   * Inserts a new brand.
   *
   * @throws UniqueViolationException with {@link UniqueKey#BRAND_DOMAIN} if the tenant has a brand with that domain
   */
  void insert(Brand brand);

  /** Finds a brand of the tenant. */
  Optional<Brand> find(long tenantId, long brandId);

  /** The tenant's brands in id order. */
  List<Brand> list(long tenantId);
}
