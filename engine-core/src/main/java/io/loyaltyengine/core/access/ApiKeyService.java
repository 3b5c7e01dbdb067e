package io.loyaltyengine.core.access;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.ApiKey;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.ApiKeyRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.core.validation.TextRules;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The API keys of one tenant.
 *
 * <p>{@link #issue} makes the key (see {@link ApiKeyFormat}) before its unit of work, so that a retried transaction
 * stores the hash of the key it returns; the unit of work locks the tenant's row, counts its live keys and inserts,
 * so that concurrent issues cannot pass {@link ApiKeys#MAX_LIVE_KEYS} together. {@link #revoke} is one conditional
 * update and {@link #delete} one delete, each then dropping the key from the engine's cache (also when the commit's
 * answer was lost, since the change may have committed). Inside a host
 * transaction, which commits after they return, the key is also kept out of the cache for one TTL
 * ({@link AccessService#forgetKey}), so that a request authenticated before the host commits cannot cache it live
 * again.
 *
 * <p>Thread-safe when its context is.
 */
public final class ApiKeyService implements ApiKeys {
  /** Longest key name, in characters. */
  public static final int MAX_NAME_LENGTH = 100;

  private final ScopeContext context;
  private final AccessService access;

  /**
   * Creates the service.
   *
   * @param context the tenant scope's context
   * @param access the engine's authentication, whose cache a revocation clears
   */
  public ApiKeyService(ScopeContext context, AccessService access) {
    this.context = Objects.requireNonNull(context, "context");
    this.access = Objects.requireNonNull(access, "access");
  }

  @Override
  public IssuedApiKey issue(NewApiKey request) {
    TextRules.notNull("key", request);
    String name = TextRules.required("name", request.name(), MAX_NAME_LENGTH);
    Set<ApiScope> scopes = checkScopes(request.scopes());
    long tenantId = context.tenantId();
    long keyId = context.ids().nextId();
    String secret = ApiKeyFormat.newKey(tenantId, keyId);
    ApiKeyRecord key = new ApiKeyRecord(tenantId, keyId, name, scopes, ApiKeyFormat.hint(secret),
        ApiKeyFormat.hashHex(secret), context.now(), null);
    context.transactions().run(tx -> {
      tx.tenants().lock(tenantId).orElseThrow(() -> LoyaltyException.notFound("tenant"));
      if (tx.apiKeys().countLive(tenantId) >= MAX_LIVE_KEYS) {
        throw LoyaltyException.conflict("apiKeys", "the tenant already has " + MAX_LIVE_KEYS
            + " live API keys; revoke or delete one first");
      }
      tx.apiKeys().insert(key);
      return null;
    });
    return new IssuedApiKey(toKey(key), secret);
  }

  @Override
  public ApiKey get(long keyId) {
    return toKey(context.transactions().runRead(tx -> require(tx, keyId)));
  }

  @Override
  public List<ApiKey> list() {
    long tenantId = context.tenantId();
    // NOT_FOUND for a tenant that does not exist, as every operation of a scope (brands().list() too), not empty.
    return context.transactions().runRead(tx -> {
      TenantService.require(tx, tenantId);
      return tx.apiKeys().list(tenantId);
    }).stream()
        .map(ApiKeyService::toKey)
        .toList();
  }

  @Override
  public ApiKey revoke(long keyId) {
    long tenantId = context.tenantId();
    Instant now = context.now();
    ApiKeyRecord revoked = context.transactions().runThenForget(tx -> {
      // Revoked by a concurrent call or earlier: the key as it is, its revocation time kept.
      tx.apiKeys().revoke(tenantId, keyId, now);
      return require(tx, keyId);
    }, () -> forget(keyId));
    return toKey(revoked);
  }

  @Override
  public void delete(long keyId) {
    long tenantId = context.tenantId();
    context.transactions().runThenForget(tx -> {
      if (!tx.apiKeys().delete(tenantId, keyId)) {
        throw LoyaltyException.notFound("API key");
      }
      return null;
    }, () -> forget(keyId));
  }

  /** This engine stops trusting its cached copy of a key it changed (see the class description). */
  private void forget(long keyId) {
    access.forgetKey(context.tenantId(), keyId, !context.transactions().joinHost());
  }

  private static Set<ApiScope> checkScopes(Set<ApiScope> scopes) {
    TextRules.notNull("scopes", scopes);
    if (scopes.isEmpty()) {
      throw LoyaltyException.validation("scopes", "scopes must name at least one scope");
    }
    for (ApiScope scope : scopes) {
      if (scope == null) {
        throw LoyaltyException.validation("scopes", "scopes must not contain null");
      }
    }
    return EnumSet.copyOf(scopes);
  }

  private ApiKeyRecord require(Transaction tx, long keyId) {
    return tx.apiKeys().find(context.tenantId(), keyId).orElseThrow(() -> LoyaltyException.notFound("API key"));
  }

  private static ApiKey toKey(ApiKeyRecord k) {
    return new ApiKey(k.keyId(), k.name(), k.scopes(), k.hint(), k.createdAt(), k.revokedAt());
  }
}
