package io.loyaltyengine.tenant;

/**
 * A request to create a tenant. Validated by the engine: {@code name} is required, 1..200 characters.
 * {@link #toString()} hides the name of a member account, a person's name. Immutable.
 *
 * @param name display name
 * @param type business or member
 */
public record NewTenant(String name, TenantType type) {
  @Override
  public String toString() {
    return "NewTenant[name=" + (type == TenantType.MEMBER ? "<hidden>" : name) + ", type=" + type + "]";
  }

  /**
   * A business account.
   *
   * @param name display name
   * @return the request
   */
  public static NewTenant business(String name) {
    return new NewTenant(name, TenantType.BUSINESS);
  }

  /**
   * A member (individual) account.
   *
   * @param name display name, a person's name
   * @return the request
   */
  public static NewTenant member(String name) {
    return new NewTenant(name, TenantType.MEMBER);
  }
}
