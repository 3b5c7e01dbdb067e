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

  /**
   * Replaces a brand's name and domain (already validated), in one update that returns the row it wrote.
   *
   * @return the brand as the update wrote it; empty if the tenant has no such brand
   * @throws UniqueViolationException with {@link UniqueKey#BRAND_DOMAIN} if another brand of the tenant has that
   *     domain
   */
  Optional<Brand> update(long tenantId, long brandId, String name, String domain);

  /** The tenant's brands in id order. */
  List<Brand> list(long tenantId);
}
