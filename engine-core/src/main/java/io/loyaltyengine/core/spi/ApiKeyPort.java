package io.loyaltyengine.core.spi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * API keys of a tenant.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface ApiKeyPort {
  /** Inserts a new key. */
  void insert(ApiKeyRecord key);

  /** Finds a key of the tenant (its primary key: what every authentication not cached reads). */
  Optional<ApiKeyRecord> find(long tenantId, long keyId);

  /** The tenant's keys, revoked ones too, newest first (by creation time, then id, both descending). */
  List<ApiKeyRecord> list(long tenantId);

  /** How many keys of the tenant are not revoked. */
  int countLive(long tenantId);

  /**
   * Revokes a key not yet revoked, at {@code at}: one conditional update.
   *
   * @return whether a live key of the tenant was revoked (false for an unknown or already revoked key)
   */
  boolean revoke(long tenantId, long keyId, Instant at);

  /**
   * Deletes a key of the tenant, live or revoked.
   *
   * @return whether the tenant had the key
   */
  boolean delete(long tenantId, long keyId);
}
