package io.loyaltyengine.webhooks;

import java.util.Objects;

/**
 * Why {@link WebhookVerifier} rejected a webhook, or refused a secret it was built from.
 *
 * <p>The message names the problem only: it never contains a secret, a signature, a header value or the body, so it
 * is safe to log and to answer with. A receiver answers a rejected webhook with a 4xx status (400 or 401); the
 * sender retries, which is harmless, since a delivery that failed verification is never acknowledged.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class WebhookVerificationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. Constants are never renamed or removed; new ones may be added. Immutable. */
  public enum Reason {
    /** A {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} header is missing or blank. */
    MISSING_HEADER,
    /** {@code webhook-timestamp} is not a whole number of seconds since the epoch. */
    INVALID_TIMESTAMP,
    /** {@code webhook-timestamp} is further in the past than the tolerance (a replayed or long-delayed request). */
    TIMESTAMP_TOO_OLD,
    /** {@code webhook-timestamp} is further in the future than the tolerance (a clock far off, or a forgery). */
    TIMESTAMP_TOO_NEW,
    /** No {@code v1} signature in {@code webhook-signature} matches the body under any of the verifier's secrets. */
    NO_MATCHING_SIGNATURE,
    /** A secret given to the verifier is not {@code whsec_} and base64 of 24..64 bytes. */
    INVALID_SECRET
  }

  /** What went wrong. */
  private final Reason reason;

  /**
   * Creates an exception.
   *
   * @param reason what went wrong
   * @param message a message without secrets, header values or body
   */
  public WebhookVerificationException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * What went wrong.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  @Override
  public String toString() {
    return "WebhookVerificationException[" + reason + "]: " + getMessage();
  }
}
