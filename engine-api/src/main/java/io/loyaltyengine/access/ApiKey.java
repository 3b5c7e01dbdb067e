package io.loyaltyengine.access;

import java.time.Instant;
import java.util.Set;

/**
 * An API key of a tenant, without its secret (the engine keeps only a hash of it). Immutable.
 *
 * @param id the key's id (also part of the key itself)
 * @param name what the key is for, as stored (stripped)
 * @param scopes what the key may do
 * @param hint the key's last 4 characters, so that a person can tell keys apart in a list
 * @param createdAt when it was issued
 * @param revokedAt when it was revoked, or null while it is live
 */
public record ApiKey(long id, String name, Set<ApiScope> scopes, String hint, Instant createdAt,
    Instant revokedAt) {
  /**
   * Copies {@code scopes}.
   *
   * @param id the key's id (also part of the key itself)
   * @param name what the key is for, as stored (stripped)
   * @param scopes what the key may do
   * @param hint the key's last 4 characters, so that a person can tell keys apart in a list
   * @param createdAt when it was issued
   * @param revokedAt when it was revoked, or null while it is live
   */
  public ApiKey {
    scopes = Set.copyOf(scopes);
  }

  /**
   * Whether the key was revoked: it no longer authenticates.
   *
   * @return true once revoked
   */
  public boolean isRevoked() {
    return revokedAt != null;
  }
}
