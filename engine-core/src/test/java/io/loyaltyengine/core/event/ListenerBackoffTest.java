package io.loyaltyengine.core.event;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A failed listener delivery is retried from 1 s, doubling, at most 5 minutes apart, with jitter (as
 * {@link io.loyaltyengine.events.Events} promises): the jitter never carries a retry past the cap.
 */
class ListenerBackoffTest {
  private static final Duration CAP = Duration.ofMinutes(5);

  @Test
  void retriesDoubleFromOneSecondWithJitterAndAreNeverMoreThanFiveMinutesApart() {
    for (int attempts = 1; attempts <= 40; attempts++) {
      Duration base = attempts > 20 ? CAP : Duration.ofSeconds(1L << (attempts - 1));
      Duration low = base.compareTo(CAP) >= 0 ? CAP.multipliedBy(4).dividedBy(5) : base;
      Duration high = min(base.multipliedBy(6).dividedBy(5), CAP);
      for (int sample = 0; sample < 500; sample++) {
        Duration delay = EventDispatcher.listenerDelay(attempts);
        int a = attempts;
        assertTrue(delay.compareTo(low) >= 0 && delay.compareTo(high) <= 0,
            () -> "after " + a + " attempts: " + delay + " outside [" + low + ", " + high + "]");
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
