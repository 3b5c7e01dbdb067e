package io.loyaltyengine.access;

import java.util.Set;

/**
 * Who made a request: the tenant and key an API key authenticated, and the key's scopes. A host serves the request
 * with {@code engine.forTenant(caller.tenantId())}. Immutable.
 *
 * @param tenantId the key's tenant
 * @param keyId the key's id
 * @param scopes what the key may do
 */
public record ApiCaller(long tenantId, long keyId, Set<ApiScope> scopes) {
  /**
   * Copies {@code scopes}.
   *
   * @param tenantId the key's tenant
   * @param keyId the key's id
   * @param scopes what the key may do
   */
  public ApiCaller {
    scopes = Set.copyOf(scopes);
  }
}
