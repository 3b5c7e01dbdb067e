package io.loyaltyengine.access;

import java.util.List;

/**
 * A tenant's API keys, reached by {@link io.loyaltyengine.TenantScope#apiKeys()}. A key is
 * {@code lek_<tenantId>_<keyId>_<secret>}, the secret 32 random bytes in base64url: the ids let the engine read the
 * key's row by its primary key, and the engine stores only a SHA-256 hash of the whole key. Thread-safe (see
 * {@link io.loyaltyengine.TenantScope} for host transactions).
 */
public interface ApiKeys {
  /** The most live (not revoked) keys a tenant may have. */
  int MAX_LIVE_KEYS = 100;

  /**
   * Issues a new key.
   *
   * @param key the new key's name and scopes
   * @return the key and its secret, which is shown only here
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code key}, {@code name} or {@code scopes};
   *     NOT_FOUND if the tenant does not exist; CONFLICT on {@code apiKeys} if the tenant already has
   *     {@value #MAX_LIVE_KEYS} live keys (revoke or delete one first)
   */
  IssuedApiKey issue(NewApiKey key);

  /**
   * Reads a key.
   *
   * @param keyId the key's id
   * @return the key, without its secret
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such key
   */
  ApiKey get(long keyId);

  /**
   * The tenant's keys, live and revoked (not deleted ones), newest first: by {@link ApiKey#createdAt()}
   * descending, and keys created at the same instant (the engine keeps microseconds) by {@link ApiKey#id()}
   * descending, so the order is the same on every store and every call.
   *
   * @return the keys
   */
  List<ApiKey> list();

  /**
   * Revokes a key: it no longer authenticates. Idempotent: revoking a revoked key returns it unchanged.
   *
   * <p>Engines cache keys they have verified (see {@link AccessSettings#keyCacheTtl()}). The engine instance that
   * revokes refuses the key at once; other instances sharing the database refuse it once their cached entry
   * expires, within the key cache TTL (30 seconds by default). Revoked through a scope joining a host's transaction
   * ({@link io.loyaltyengine.TenantScope#joining}), the key is revoked when the host commits; until then it still
   * authenticates. The revoking instance reads the key afresh at each request for one TTL from this call, without
   * caching it, so it refuses the key from the host's commit on (if the host commits later than that, it refuses the
   * key within the TTL after the commit, as other instances do).
   *
   * @param keyId the key's id
   * @return the revoked key
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such key
   */
  ApiKey revoke(long keyId);

  /**
   * Deletes a key, live or revoked: it no longer authenticates, is no longer listed, and {@link #get} no longer finds
   * it. A live key needs no {@link #revoke} first: deleting it refuses it as a revocation does, at once on this
   * engine instance and within the key cache TTL on others (see {@link #revoke}, also for host transactions). Revoke
   * a key to keep a record of it; delete it to forget it. Not idempotent: a key deleted already is not found.
   *
   * @param keyId the key's id
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such key
   */
  void delete(long keyId);
}
