package io.loyaltyengine.core.webhook;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one webhook request, as {@link WebhookDeliverer#deliver} reports it. Immutable and thread-safe.
 *
 * @param result what the dispatcher should do next
 * @param status the HTTP status of the answer, or 0 when there was none (refused, network failure, timeout)
 * @param retryAfter the delay the receiver asked for with {@code Retry-After} (at most 24 hours), or null
 * @param error a short reason for a failure, fit for {@code lastError} and logs (a status, an exception type, never
 *     the URL, a secret or payload data); null on success
 */
public record WebhookAttempt(Result result, int status, Duration retryAfter, String error) {

  /** What the dispatcher should do with the delivery. Immutable. */
  public enum Result {
    /** A 2xx answer: the delivery is done. */
    SUCCESS,
    /**
     * A failure worth retrying: a network failure, a timeout, a host that did not resolve or whose lookup failed
     * otherwise, or any answer that is neither 2xx nor 410 (5xx, 429, other 4xx, and 3xx, since redirects are never
     * followed). The next attempt is due after {@link WebhookRetrySchedule#delayAfter}; after the last one the
     * delivery is parked.
     */
    RETRY,
    /** {@code 410 Gone}: the receiver wants no more events. Disable the endpoint and park the delivery. */
    GONE,
    /**
     * No request was made: the endpoint's address is refused by the address policy (it resolves to a non-public
     * address, or uses plain http under {@link io.loyaltyengine.webhooks.WebhookAddressPolicy#PUBLIC_ONLY}), or its
     * stored URL is unusable. Retrying will not help until the endpoint or the policy changes: park the delivery.
     */
    REFUSED,
    /**
     * No request was made, for a reason of this instance's rather than the endpoint's: no thread was free to look up
     * the endpoint's host (lookups of other hosts, whose resolver hangs, hold them all). Nothing was learnt of the
     * endpoint: leave the delivery as it is, not counted as an attempt, for a later round, and do not pause the
     * endpoint.
     */
    DEFERRED,
    /**
     * The calling thread was interrupted (the dispatcher cancelling a round's calls): the host lookup was abandoned,
     * or the request cancelled, which the receiver may or may not have got. Nothing was learnt of the endpoint: as
     * {@link #DEFERRED}, leave the delivery as it is, not counted as an attempt, and do not pause the endpoint; at
     * least once, it is made again once its lease runs out.
     */
    CANCELLED
  }

  /** Checks that there is a result. */
  public WebhookAttempt {
    Objects.requireNonNull(result, "result");
  }

  /**
   * Whether the receiver answered and asked the sender to slow down: a {@link Result#RETRY} answered
   * {@code 429 Too Many Requests}, {@code 502 Bad Gateway}, {@code 503 Service Unavailable} or
   * {@code 504 Gateway Timeout}, or with a {@code Retry-After}. The Standard Webhooks specification asks senders to
   * throttle the requests to such an endpoint, and HTTP's {@code Retry-After} is how long to wait before a follow-up
   * request, not only before this one's retry.
   *
   * @return whether the endpoint asked to slow down
   */
  public boolean asksToSlowDown() {
    return result == Result.RETRY && status != 0
        && (retryAfter != null || status == 429 || status == 502 || status == 503 || status == 504);
  }

  static WebhookAttempt success(int status) {
    return new WebhookAttempt(Result.SUCCESS, status, null, null);
  }

  static WebhookAttempt retry(int status, Duration retryAfter, String error) {
    return new WebhookAttempt(Result.RETRY, status, retryAfter, error);
  }

  static WebhookAttempt gone() {
    return new WebhookAttempt(Result.GONE, 410, null, "HTTP 410 Gone");
  }

  static WebhookAttempt deferred(String error) {
    return new WebhookAttempt(Result.DEFERRED, 0, null, error);
  }

  static WebhookAttempt cancelled() {
    return new WebhookAttempt(Result.CANCELLED, 0, null, "interrupted");
  }

  static WebhookAttempt refused(String error) {
    return new WebhookAttempt(Result.REFUSED, 0, null, error);
  }
}
