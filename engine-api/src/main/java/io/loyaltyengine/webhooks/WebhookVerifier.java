package io.loyaltyengine.webhooks;

import io.loyaltyengine.webhooks.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks that a webhook request came from the engine, for the code that <em>receives</em> webhooks. It needs only
 * the JDK, so a receiver can depend on {@code engine-api} alone (or copy this class).
 *
 * <p>The engine signs each request per the <a href="https://www.standardwebhooks.com">Standard Webhooks</a> scheme,
 * and this class agrees with that specification's reference libraries (their test vectors are among this project's
 * tests):
 * <ul>
 *   <li>the signed content is {@code webhook-id + "." + webhook-timestamp + "." + body}, the body as the exact bytes
 *       received (verify before parsing: parsing and re-serializing JSON changes bytes);</li>
 *   <li>the signature is HMAC-SHA256 keyed with the base64-decoded part of the secret after {@code whsec_} (the
 *       prefix may be left out), sent base64-encoded as {@code v1,<signature>};</li>
 *   <li>{@code webhook-signature} may hold several space-separated signatures (during a secret rotation the engine
 *       signs with the old and the new secret); one matching {@code v1} signature suffices, other versions are
 *       ignored;</li>
 *   <li>{@code webhook-timestamp} (seconds since the epoch) must be within {@link #TOLERANCE} of this verifier's
 *       clock, either way, bounds included, so a captured request cannot be replayed later.</li>
 * </ul>
 * Signatures are compared in constant time ({@link MessageDigest#isEqual}). A verifier may hold several secrets
 * (for example the old and the new one while the receiver switches over); a signature under any of them is accepted.
 *
 * <p>Verification does not deduplicate: delivery is at least once, so a receiver still skips events whose
 * {@code webhook-id} it has already processed.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.of(System.getenv("LOYALTY_WEBHOOK_SECRET"));
 * try {
 *   verifier.verify(request.header("webhook-id"), request.header("webhook-timestamp"),
 *       request.header("webhook-signature"), request.bodyBytes());
 * } catch (WebhookVerificationException e) {
 *   return Response.status(400).entity(e.reason().name());
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe: one instance can serve every request.
 */
public final class WebhookVerifier {
  /** How far a timestamp may be from the verifier's clock, in either direction: 5 minutes. */
  public static final Duration TOLERANCE = Duration.ofMinutes(5);

  /** The prefix that marks a Standard Webhooks symmetric secret. */
  public static final String SECRET_PREFIX = "whsec_";

  private static final String HMAC = "HmacSHA256";
  private static final int MIN_KEY_BYTES = 24;
  private static final int MAX_KEY_BYTES = 64;
  private static final long TOLERANCE_SECONDS = TOLERANCE.getSeconds();

  private final List<SecretKeySpec> keys;
  private final Clock clock;

  private WebhookVerifier(List<SecretKeySpec> keys, Clock clock) {
    this.keys = keys;
    this.clock = clock;
  }

  /**
   * A verifier accepting signatures under any of the given secrets, checking timestamps against the system clock.
   *
   * @param secret a secret as the engine hands it out: {@code whsec_} and base64 of 24..64 bytes (the prefix is
   *     optional, as in the reference libraries)
   * @param moreSecrets further secrets, for example the previous one during a rotation
   * @return the verifier
   * @throws WebhookVerificationException INVALID_SECRET naming the position of the secret that is malformed
   */
  public static WebhookVerifier of(String secret, String... moreSecrets) {
    Objects.requireNonNull(moreSecrets, "moreSecrets");
    List<SecretKeySpec> keys = new ArrayList<>(1 + moreSecrets.length);
    keys.add(key(secret, 1));
    for (int i = 0; i < moreSecrets.length; i++) {
      keys.add(key(moreSecrets[i], i + 2));
    }
    return new WebhookVerifier(List.copyOf(keys), Clock.systemUTC());
  }

  /**
   * This verifier, checking timestamps against {@code clock} instead (tests, or a host's own time source).
   *
   * @param clock the time source
   * @return a new verifier
   */
  public WebhookVerifier withClock(Clock clock) {
    return new WebhookVerifier(keys, Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Verifies a webhook request.
   *
   * @param webhookId the {@code webhook-id} header (the event id)
   * @param webhookTimestamp the {@code webhook-timestamp} header
   * @param webhookSignature the {@code webhook-signature} header
   * @param body the request body, exactly as received
   * @throws WebhookVerificationException if the request is not authentic or not timely; its
   *     {@link WebhookVerificationException#reason()} says why
   * @throws NullPointerException if {@code body} is null (a missing header is reported as MISSING_HEADER instead)
   */
  public void verify(String webhookId, String webhookTimestamp, String webhookSignature, byte[] body) {
    Objects.requireNonNull(body, "body");
    requireHeader("webhook-id", webhookId);
    requireHeader("webhook-timestamp", webhookTimestamp);
    requireHeader("webhook-signature", webhookSignature);
    long timestamp = parseTimestamp(webhookTimestamp);
    long now = clock.instant().getEpochSecond();
    if (timestamp < now - TOLERANCE_SECONDS) {
      throw new WebhookVerificationException(Reason.TIMESTAMP_TOO_OLD,
          "the webhook-timestamp is more than " + TOLERANCE_SECONDS + " seconds in the past");
    }
    if (timestamp > now + TOLERANCE_SECONDS) {
      throw new WebhookVerificationException(Reason.TIMESTAMP_TOO_NEW,
          "the webhook-timestamp is more than " + TOLERANCE_SECONDS + " seconds in the future");
    }
    // The timestamp goes into the signed content as the number it is, as the reference libraries do.
    byte[] prefix = (webhookId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    List<byte[]> expected = new ArrayList<>(keys.size());
    for (SecretKeySpec key : keys) {
      expected.add(hmac(key, prefix, body));
    }
    for (String entry : webhookSignature.split(" ")) {
      byte[] candidate = v1Signature(entry);
      if (candidate == null) {
        continue;
      }
      for (byte[] mac : expected) {
        if (MessageDigest.isEqual(mac, candidate)) {
          return;
        }
      }
    }
    throw new WebhookVerificationException(Reason.NO_MATCHING_SIGNATURE,
        "no v1 signature in webhook-signature matches the body under the verifier's secrets");
  }

  /**
   * Verifies a webhook request whose body the receiver holds as text; the text is encoded as UTF-8, which is what
   * the engine sends. Prefer {@link #verify(String, String, String, byte[])} with the raw bytes when available.
   *
   * @param webhookId the {@code webhook-id} header (the event id)
   * @param webhookTimestamp the {@code webhook-timestamp} header
   * @param webhookSignature the {@code webhook-signature} header
   * @param body the request body, exactly as received
   * @throws WebhookVerificationException as {@link #verify(String, String, String, byte[])}
   */
  public void verify(String webhookId, String webhookTimestamp, String webhookSignature, String body) {
    verify(webhookId, webhookTimestamp, webhookSignature,
        Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "WebhookVerifier[" + keys.size() + (keys.size() == 1 ? " secret" : " secrets") + ", hidden]";
  }

  private static SecretKeySpec key(String secret, int position) {
    if (secret == null || secret.isBlank()) {
      throw invalidSecret(position, "is missing");
    }
    String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      // Not chained: the decoder's message quotes the offending character of the secret.
      throw invalidSecret(position, "is not base64");
    }
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw invalidSecret(position, "must decode to " + MIN_KEY_BYTES + ".." + MAX_KEY_BYTES + " bytes");
    }
    return new SecretKeySpec(key, HMAC);
  }

  private static WebhookVerificationException invalidSecret(int position, String problem) {
    return new WebhookVerificationException(Reason.INVALID_SECRET, "secret " + position + " " + problem);
  }

  private static void requireHeader(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new WebhookVerificationException(Reason.MISSING_HEADER, "the " + name + " header is missing");
    }
  }

  /** Whole seconds, ASCII digits only: no sign, no fraction, no exponent (the reference libraries agree). */
  private static long parseTimestamp(String header) {
    String text = header.strip();
    if (text.length() > 18) {
      throw invalidTimestamp();
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw invalidTimestamp();
      }
    }
    return Long.parseLong(text);
  }

  private static WebhookVerificationException invalidTimestamp() {
    return new WebhookVerificationException(Reason.INVALID_TIMESTAMP,
        "the webhook-timestamp header is not a number of seconds since the epoch");
  }

  /** The decoded signature of a {@code v1,<base64>} entry, or null for another version or a malformed entry. */
  private static byte[] v1Signature(String entry) {
    int comma = entry.indexOf(',');
    if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(entry.substring(comma + 1));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static byte[] hmac(SecretKeySpec key, byte[] prefix, byte[] body) {
    try {
      // A Mac is stateful: one per call keeps the verifier thread-safe.
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      mac.update(prefix);
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      // Every Java platform must provide HmacSHA256.
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
