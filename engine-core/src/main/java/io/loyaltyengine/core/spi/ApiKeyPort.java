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

  /**
   * Leases up to {@code batch} tokens from the tenant's bucket at the rate of {@code limit} per {@code periodMicros},
   * shared by every engine instance on this storage: one atomic conditional update of the bucket's row (refilled
   * by the time elapsed up to {@code nowMicros}, then {@link RateBucket#lease}), so concurrent leases from any
   * number of instances never take more than the bucket holds. A bucket not yet stored is created full first.
   *
   * @param limit the rate's tokens per period, 1..10,000,000
   * @param periodMicros the rate's period in microseconds, 1 s..1 day
   * @param batch the most tokens to take, at least 1
   * @param nowMicros the engine's clock, in microseconds since the epoch
   * @return the bucket after the lease, with the tokens it granted (0..batch)
   */
  RateBucket leaseTokens(long tenantId, int limit, long periodMicros, int batch, long nowMicros);
}
