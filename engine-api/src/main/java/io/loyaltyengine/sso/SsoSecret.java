package io.loyaltyengine.sso;

import java.time.Instant;

/**
 * A tenant's new single sign-on secret, returned by {@link SingleSignOn#rotateSecret()}: the only time it is shown.
 * The host keeps it on its server (never in a browser or an app) and signs logins with it
 * ({@link SsoSignatures}). {@link #toString()} hides it. Immutable.
 *
 * @param secret the secret: base64url, without padding, of 32 random bytes (43 characters)
 * @param createdAt when it was made
 * @param previousValidUntil until when the secret it replaced still verifies logins, or null if it replaced none
 *     or the engine's {@link SsoSettings#rotationGrace()} is 0
 */
public record SsoSecret(String secret, Instant createdAt, Instant previousValidUntil) {
  @Override
  public String toString() {
    return "SsoSecret[secret=<hidden>, createdAt=" + createdAt + ", previousValidUntil=" + previousValidUntil + "]";
  }
}
