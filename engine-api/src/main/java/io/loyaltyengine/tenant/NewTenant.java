package io.loyaltyengine.tenant;

/**
 * A request to create a tenant. Validated by the engine: {@code name} is required, 1..200 characters. Immutable.
 *
 * @param name display name
 * @param type business or member
 */
public record NewTenant(String name, TenantType type) {
  /** A business account. */
  public static NewTenant business(String name) {
    return new NewTenant(name, TenantType.BUSINESS);
  }

  /** A member (individual) account. */
  public static NewTenant member(String name) {
    return new NewTenant(name, TenantType.MEMBER);
  }
}
