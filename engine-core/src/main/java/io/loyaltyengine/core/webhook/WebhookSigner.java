package io.loyaltyengine.core.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The sending side of Standard Webhooks signatures (the receiving side is
 * {@link io.loyaltyengine.webhooks.WebhookVerifier}): secrets {@code whsec_<base64 of 32 random bytes>}, and
 * {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} keyed with the decoded part of the secret after the prefix.
 *
 * <p>Thread-safe: the random source is a shared {@link SecureRandom} (itself thread-safe), a {@link Mac} is made
 * per call.
 */
final class WebhookSigner {
  static final String SECRET_PREFIX = "whsec_";
  /** 32 bytes (256 bits, the size of an HMAC-SHA256 output), within the 24..64 the specification allows. */
  static final int SECRET_BYTES = 32;

  private static final String HMAC = "HmacSHA256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookSigner() {
  }

  /** A new secret. */
  static String newSecret() {
    byte[] key = new byte[SECRET_BYTES];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /**
   * The {@code webhook-signature} header: one {@code v1} signature per secret, space-separated, in the given order.
   *
   * @param secrets {@code whsec_} secrets (the prefix may be missing); at least one
   */
  static String signatureHeader(List<String> secrets, String webhookId, long timestamp, byte[] body) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one secret is needed");
    }
    byte[] prefix = (webhookId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    StringBuilder header = new StringBuilder(secrets.size() * 48);
    for (String secret : secrets) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append("v1,").append(Base64.getEncoder().encodeToString(hmac(key(secret), prefix, body)));
    }
    return header.toString();
  }

  private static byte[] key(String secret) {
    String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    try {
      return Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      // Stored secrets are generated here; not chained, since the decoder's message quotes the secret.
      throw new IllegalStateException("a stored webhook secret is not base64");
    }
  }

  private static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      mac.update(prefix);
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      // Every Java platform must provide HmacSHA256.
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
