package io.loyaltyengine.core.spi;

import io.loyaltyengine.access.ApiScope;
import java.time.Instant;
import java.util.Set;

/**
 * An API key as stored: never the key itself, only its SHA-256 hash. Immutable.
 *
 * @param tenantId the owning tenant
 * @param keyId the key's id
 * @param name what the key is for
 * @param scopes what the key may do (not empty)
 * @param hint the key's last 4 characters
 * @param secretHash SHA-256 of the whole key, 64 lower-case hex digits
 * @param createdAt when it was issued
 * @param revokedAt when it was revoked, or null
 */
public record ApiKeyRecord(long tenantId, long keyId, String name, Set<ApiScope> scopes, String hint,
    String secretHash, Instant createdAt, Instant revokedAt) {

  /** Copies {@code scopes}. */
  public ApiKeyRecord {
    scopes = Set.copyOf(scopes);
  }

  @Override
  public String toString() {
    return "ApiKeyRecord[tenant " + tenantId + ", key " + keyId + ", scopes " + scopes + ", revoked "
        + (revokedAt != null) + ", hash hidden]";
  }
}
