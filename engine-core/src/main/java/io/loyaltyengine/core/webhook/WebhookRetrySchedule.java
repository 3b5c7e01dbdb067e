package io.loyaltyengine.core.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed webhook delivery is tried again: the Standard Webhooks example schedule. The first attempt is
 * immediate; after it fails the next ones follow {@link #DELAYS} (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
 * 24 h, about three days in all), and after the tenth attempt ({@link #MAX_ATTEMPTS}) the delivery is parked.
 *
 * <h2>Jitter</h2>
 * Each scheduled delay is scaled by a factor drawn uniformly from [0.9, 1.1) ({@link #JITTER} = 10 %), so that
 * deliveries that failed together (a receiver's outage) do not all come back in the same second.
 *
 * <h2>Retry-After</h2>
 * A receiver's {@code Retry-After} can only lengthen the wait: the delay is the larger of the jittered scheduled
 * delay and the requested one, and the requested one counts for at most {@link #MAX_RETRY_AFTER} (24 hours, the
 * schedule's longest step), so a receiver cannot stall a delivery indefinitely, nor make the engine hammer it by
 * asking for less than the schedule. It never adds attempts: the tenth failure parks whatever the receiver asked.
 *
 * <p>Thread-safe: stateless (the caller supplies the random generator).
 */
public final class WebhookRetrySchedule {
  /** The waits after the first, second, ... ninth failed attempt. */
  public static final List<Duration> DELAYS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
      Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14),
      Duration.ofHours(20), Duration.ofHours(24));

  /** Attempts before a delivery is parked: the immediate one and one per delay. */
  public static final int MAX_ATTEMPTS = DELAYS.size() + 1;

  /**
   * The schedule's span, the delays added up (75 h 35 min 5 s): a webhook delivery due for longer than this and still
   * not delivered is parked as one that used up its attempts. An endpoint that gives no answer is attempted only
   * through one delivery (the probe) after each pause, so its other deliveries would otherwise wait, pending and
   * unattempted, for as long as it stays down.
   */
  public static final Duration WINDOW = DELAYS.stream().reduce(Duration.ZERO, Duration::plus);

  /** The longest {@code Retry-After} that is honoured. */
  public static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);

  /** The relative jitter: delays vary by up to this fraction either way. */
  public static final double JITTER = 0.10;

  private WebhookRetrySchedule() {
  }

  /**
   * The wait before the next attempt.
   *
   * @param attemptsMade attempts made so far, the failed one included (1 after the first attempt)
   * @param retryAfter the receiver's {@code Retry-After}, or null (negative values are ignored)
   * @param random the source of jitter
   * @return the delay, or empty when the delivery should be parked
   * @throws IllegalArgumentException if {@code attemptsMade} is less than 1
   */
  public static Optional<Duration> delayAfter(int attemptsMade, Duration retryAfter, RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    if (attemptsMade < 1) {
      throw new IllegalArgumentException("attemptsMade must be at least 1 but was " + attemptsMade);
    }
    if (attemptsMade >= MAX_ATTEMPTS) {
      return Optional.empty();
    }
    Duration scheduled = DELAYS.get(attemptsMade - 1);
    Duration delay = Duration.ofMillis(Math.round(scheduled.toMillis() * random.nextDouble(1 - JITTER, 1 + JITTER)));
    if (retryAfter != null && !retryAfter.isNegative()) {
      Duration asked = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
      if (asked.compareTo(delay) > 0) {
        delay = asked;
      }
    }
    return Optional.of(delay);
  }
}
