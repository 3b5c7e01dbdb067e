package io.loyaltyengine.brand;

import java.util.List;

/**
 * Brands of one tenant. A host corrects a brand's name or website with {@link #update}; configuration changes write
 * no events. Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 */
public interface Brands {
  /**
   * Creates a brand.
   *
   * @param brand the new brand's name and website
   * @return the created brand
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code brand} (null), {@code name} or
   *     {@code website}; CONFLICT on {@code website} when the tenant already has a brand with that domain
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
   * Replaces a brand's name and website, in one update of its row. The domain is read from the website
   * as on {@link #create}; the brand's campaigns, id and creation time are unchanged.
   *
   * @param brandId the brand's id
   * @param update the new name and website
   * @return the brand as the update left it
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name} or
   *     {@code website} (as {@link NewBrand}'s); NOT_FOUND if the tenant has no such brand; CONFLICT on
   *     {@code website} when another brand of the tenant has that domain
   */
  Brand update(long brandId, BrandUpdate update);

  /**
   * The tenant's brands, oldest first.
   *
   * @return the brands
   */
  List<Brand> list();
}
