package io.loyaltyengine.sso;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The host's side of single sign-on: signs a login exactly as {@link SingleSignOn#recognize} verifies it. Run it on
 * the host's server only; the secret must never reach a browser or an app.
 *
 * <h2>Format</h2>
 * The signature is the lowercase hexadecimal (64 characters) HMAC-SHA256 of the canonical message, encoded as UTF-8,
 * keyed with the UTF-8 bytes of the secret string as {@link SsoSecret#secret()} shows it (the 43 characters
 * themselves, not their base64url decoding). The canonical message is five lines joined by {@code "\n"} (LF), with
 * no trailing newline:
 *
 * <pre>
 * v1
 * &lt;campaignId in decimal&gt;
 * &lt;customerId, exactly as sent&gt;
 * &lt;email, exactly as sent, or the empty string for none&gt;
 * &lt;timestamp: seconds since the epoch, in decimal&gt;
 * </pre>
 *
 * For example, in Python: {@code hmac.new(secret.encode(), "\n".join(["v1", str(campaign_id), customer_id,
 * email or "", str(ts)]).encode(), hashlib.sha256).hexdigest()}. The engine accepts upper-case hex too. Fields must
 * not contain line breaks (the engine refuses control characters in a customer id or an email after checking the
 * signature), so the lines cannot be shifted from one field to another.
 *
 * <p>Thread-safe: stateless (a {@link Mac} is made per call).
 */
public final class SsoSignatures {
  /** The version line that starts every canonical message. */
  public static final String VERSION = "v1";

  private static final String HMAC = "HmacSHA256";
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SsoSignatures() {
  }

  /**
   * The canonical message of a login's fields. A null customer id or email counts as the empty string.
   *
   * @param campaignId the campaign
   * @param customerId the host's id of the customer, or null
   * @param email the customer's email, or null
   * @param timestamp seconds since the epoch
   * @return the message
   */
  public static String message(long campaignId, String customerId, String email, long timestamp) {
    return VERSION + "\n" + campaignId + "\n" + (customerId == null ? "" : customerId) + "\n"
        + (email == null ? "" : email) + "\n" + timestamp;
  }

  /**
   * Signs a login's fields.
   *
   * @param secret the tenant's secret, as {@link SsoSecret#secret()} returned it
   * @param campaignId the campaign
   * @param customerId the host's id of the customer, or null
   * @param email the customer's email, or null
   * @param timestamp now, in seconds since the epoch ({@code Instant.now().getEpochSecond()})
   * @return the signature: lowercase hex of the HMAC-SHA256 of {@link #message}
   * @throws NullPointerException if {@code secret} is null
   * @throws IllegalArgumentException if {@code secret} is empty
   */
  public static String sign(String secret, long campaignId, String customerId, String email, long timestamp) {
    Objects.requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    byte[] mac;
    try {
      Mac hmac = Mac.getInstance(HMAC);
      hmac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
      mac = hmac.doFinal(message(campaignId, customerId, email, timestamp).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      // Every Java platform must provide HmacSHA256.
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
    char[] hex = new char[mac.length * 2];
    for (int i = 0; i < mac.length; i++) {
      hex[2 * i] = HEX[(mac[i] >> 4) & 0xf];
      hex[2 * i + 1] = HEX[mac[i] & 0xf];
    }
    return new String(hex);
  }

  /**
   * A signed login of a customer: the fields with their {@link #sign signature}.
   *
   * @param secret the tenant's secret, as {@link SsoSecret#secret()} returned it
   * @param campaignId the campaign
   * @param customerId the host's id of the customer, or null
   * @param email the customer's email, or null
   * @param timestamp now, in seconds since the epoch
   * @return the signed login
   * @throws NullPointerException if {@code secret} is null
   * @throws IllegalArgumentException if {@code secret} is empty
   */
  public static SsoLogin login(String secret, long campaignId, String customerId, String email, long timestamp) {
    return new SsoLogin(campaignId, customerId, email, timestamp,
        sign(secret, campaignId, customerId, email, timestamp));
  }
}
