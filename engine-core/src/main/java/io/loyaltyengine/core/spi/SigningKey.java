package io.loyaltyengine.core.spi;

import java.time.Instant;

/**
 * A tenant's key for signed referral codes. Keys are numbered from 1; the highest signs new codes, every key kept
 * verifies (a retired key is deleted). Immutable.
 *
 * @param tenantId the tenant
 * @param keyId the key's number
 * @param secret the HMAC key (32 random bytes)
 * @param createdAt when it was made
 */
public record SigningKey(long tenantId, int keyId, byte[] secret, Instant createdAt) {
  /** Copies the secret. */
  public SigningKey {
    secret = secret.clone();
  }

  /** A copy of the secret. */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SigningKey k && k.tenantId == tenantId && k.keyId == keyId
        && java.util.Arrays.equals(k.secret, secret) && k.createdAt.equals(createdAt);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(tenantId) * 31 + keyId;
  }

  @Override
  public String toString() {
    return "SigningKey[tenant " + tenantId + ", key " + keyId + ", secret hidden]";
  }
}
