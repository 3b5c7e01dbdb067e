package io.loyaltyengine.access;

/**
 * Authentication of API requests, reached by {@link io.loyaltyengine.LoyaltyEngine#access()}: at the engine level,
 * since the tenant is known only once the key is read. A host exposing the engine over HTTP calls
 * {@link #authenticate} on every request, then serves it with {@code engine.forTenant(caller.tenantId())}.
 *
 * <p>Verified keys are cached per engine instance for {@link AccessSettings#keyCacheTtl()}, so a request costs no
 * database read while its key is cached; keys not found are never cached. Thread-safe.
 */
public interface Access {
  /**
   * Authenticates a request's API key, checks it has {@code required}, and counts the request against the rate
   * limit of its tenant's plan ({@link AccessSettings}). Only requests that pass every check are counted.
   *
   * <p>Rate limits are shared by the engine instances on one storage: each leases tokens of the tenant's bucket in
   * batches (one storage write per batch), so N instances let through at most the plan's rate plus
   * {@code N * (batch - 1)} requests; see {@link AccessSettings}.
   *
   * @param presentedKey the key as the client sent it
   * @param required the scope the host's endpoint needs
   * @return who made the request
   * @throws NullPointerException if {@code required} is null (a programming error of the host, not a bad request)
   * @throws io.loyaltyengine.LoyaltyException UNAUTHENTICATED on {@code apiKey} if the key is null, blank,
   *     malformed, unknown, revoked or its secret wrong (one message for all, never containing the key);
   *     FORBIDDEN on {@code scope} if the key lacks {@code required}; RATE_LIMITED with
   *     {@link io.loyaltyengine.LoyaltyException#retryAfter()} if the tenant's plan allows no more requests now;
   *     STORAGE_UNAVAILABLE if the key had to be read and the storage failed (a failed token lease is not an error:
   *     the instance's own buckets hold the tenant meanwhile)
   */
  ApiCaller authenticate(String presentedKey, ApiScope required);
}
