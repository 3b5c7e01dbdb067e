package io.loyaltyengine.brand;

import java.util.List;

/**
 * Brands of one tenant. Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 */
public interface Brands {
  /**
   * Creates a brand.
   *
   * @param brand the new brand's name and website
   * @return the created brand
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code name} or {@code website}; CONFLICT on
   *     {@code website} when the tenant already has a brand with that domain
   */
  Brand create(NewBrand brand);

  /**
   * Reads a brand.
   *
   * @param brandId the brand's id
   * @return the brand
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such brand
   */
  Brand get(long brandId);

  /**
   * The tenant's brands, oldest first.
   *
   * @return the brands
   */
  List<Brand> list();
}
