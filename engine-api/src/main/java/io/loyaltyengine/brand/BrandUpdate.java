package io.loyaltyengine.brand;

import io.loyaltyengine.LoyaltyException;

/**
 * A brand's new name and website, replacing both, with the rules of {@link NewBrand}: {@code name} 1..200
 * characters, {@code website} a URL or a host name, of which the engine keeps the domain as on create. Another brand
 * of the tenant may not have that domain. Immutable.
 *
 * <pre>{@code
 * brands.update(shop.id(), BrandUpdate.of(shop).withWebsite("https://shop.example.org"));   // only the domain changes
 * }</pre>
 *
 * @param name display name
 * @param website a URL or host name
 */
public record BrandUpdate(String name, String website) {

  /**
   * The current name and domain of {@code brand}, to change one of them; the domain stands for the website.
   *
   * @param brand the brand as read
   * @return an update that would change nothing
   * @throws LoyaltyException VALIDATION_ERROR on field {@code brand} if it is null
   */
  public static BrandUpdate of(Brand brand) {
    if (brand == null) {
      throw LoyaltyException.validation("brand", "brand is required");
    }
    return new BrandUpdate(brand.name(), brand.domain());
  }

  /**
   * This update with another name.
   *
   * @param text the display name
   * @return a new update
   */
  public BrandUpdate withName(String text) {
    return new BrandUpdate(text, website);
  }

  /**
   * This update with another website.
   *
   * @param url a URL or host name
   * @return a new update
   */
  public BrandUpdate withWebsite(String url) {
    return new BrandUpdate(name, url);
  }
}
