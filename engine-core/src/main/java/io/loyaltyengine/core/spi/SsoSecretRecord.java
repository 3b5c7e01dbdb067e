package io.loyaltyengine.core.spi;

import java.time.Instant;

/**
 * A tenant's single sign-on secrets as stored. Immutable; {@link #toString()} hides the secrets.
 *
 * @param tenantId the tenant
 * @param secret the current secret
 * @param previousSecret the secret before the last rotation, or null
 * @param previousSecretUntil until when the previous secret verifies (exclusive), or null
 * @param createdAt when the current secret was made
 */
public record SsoSecretRecord(long tenantId, String secret, String previousSecret, Instant previousSecretUntil,
    Instant createdAt) {
  @Override
  public String toString() {
    return "SsoSecretRecord[tenant " + tenantId + ", secrets hidden, previousSecretUntil " + previousSecretUntil
        + ", createdAt " + createdAt + "]";
  }
}
