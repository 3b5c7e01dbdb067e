package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.ApiKeyPort;
import io.loyaltyengine.core.spi.ApiKeyRecord;
import io.loyaltyengine.core.spi.RateBucket;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * API keys in table {@code api_key}. The scopes are stored as their names, sorted and comma-separated. The key's
 * hash is bound like every other value and never appears in a message. Tenants' shared rate-limit buckets in table
 * {@code rate_bucket}: a lease is one conditional update returning the row ({@link Sql#RATE_BUCKET_LEASE}); only a
 * tenant's first lease at a rate creates the row first.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcApiKeyPort extends JdbcPort implements ApiKeyPort {
  JdbcApiKeyPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(ApiKeyRecord key) {
    Objects.requireNonNull(key, "key");
    run("api key insert", () -> handle.createUpdate(Sql.API_KEY_INSERT)
        .bind("tenantId", key.tenantId())
        .bind("keyId", key.keyId())
        .bind("name", key.name())
        .bind("scopes", Rows.scopeNames(key.scopes()))
        .bind("hint", key.hint())
        .bind("secretHash", key.secretHash())
        .bind("createdAt", Rows.timestamp(key.createdAt()))
        .bind("revokedAt", Rows.timestamp(key.revokedAt()))
        .execute());
  }

  @Override
  public Optional<ApiKeyRecord> find(long tenantId, long keyId) {
    return run("api key find", () -> handle.createQuery(Sql.API_KEY_FIND)
        .bind("tenantId", tenantId)
        .bind("keyId", keyId)
        .map(Rows.API_KEY)
        .findOne());
  }

  @Override
  public List<ApiKeyRecord> list(long tenantId) {
    return run("api key list", () -> handle.createQuery(Sql.API_KEY_LIST)
        .bind("tenantId", tenantId)
        .map(Rows.API_KEY)
        .list());
  }

  @Override
  public int countLive(long tenantId) {
    return Math.toIntExact(run("api key count", () -> handle.createQuery(Sql.API_KEY_COUNT_LIVE)
        .bind("tenantId", tenantId)
        .mapTo(Long.class)
        .one()));
  }

  @Override
  public boolean revoke(long tenantId, long keyId, Instant at) {
    Objects.requireNonNull(at, "at");
    return run("api key revoke", () -> handle.createUpdate(Sql.API_KEY_REVOKE)
        .bind("tenantId", tenantId)
        .bind("keyId", keyId)
        .bind("at", Rows.timestamp(at))
        .execute()) > 0;
  }

  @Override
  public boolean delete(long tenantId, long keyId) {
    return run("api key delete", () -> handle.createUpdate(Sql.API_KEY_DELETE)
        .bind("tenantId", tenantId)
        .bind("keyId", keyId)
        .execute()) > 0;
  }

  @Override
  public RateBucket leaseTokens(long tenantId, int limit, long periodMicros, int batch, long nowMicros) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1 but was " + batch);
    }
    RateBucket leased = lease(tenantId, limit, periodMicros, batch, nowMicros);
    if (leased != null) {
      return leased;
    }
    runInsertIfAbsent("rate bucket create", () -> handle.createUpdate(sql.rateBucketCreate())
        .bind("tenantId", tenantId)
        .bind("limit", (long) limit)
        .bind("period", periodMicros)
        .bind("now", nowMicros)
        .execute());
    // Created here or by a concurrent first lease: either way the row exists now.
    leased = lease(tenantId, limit, periodMicros, batch, nowMicros);
    if (leased == null) {
      throw new IllegalStateException("rate bucket missing after its creation");
    }
    return leased;
  }

  private RateBucket lease(long tenantId, int limit, long periodMicros, int batch, long nowMicros) {
    return run("rate bucket lease", () -> handle.createQuery(sql.rateBucketLease())
        .bind("tenantId", tenantId)
        .bind("limit", (long) limit)
        .bind("period", periodMicros)
        .bind("batch", (long) batch)
        .bind("now", nowMicros)
        .map((rs, ctx) -> new RateBucket(rs.getLong("debt"), rs.getLong("refilled_at"),
            Math.toIntExact(rs.getLong("granted"))))
        .findOne()
        .orElse(null));
  }
}
