package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class WebhookRetryScheduleTest {
  // nextDouble() is built from nextLong(): 0 gives 0.0 (the lowest factor, 0.9), all ones gives just under 1.0
  // (the highest factor, just under 1.1).
  private static final RandomGenerator LOWEST = () -> 0L;
  private static final RandomGenerator HIGHEST = () -> -1L;

  private static final List<Duration> STANDARD_WEBHOOKS_SCHEDULE = List.of(Duration.ofSeconds(5),
      Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10),
      Duration.ofHours(14), Duration.ofHours(20), Duration.ofHours(24));

  @Test
  void theScheduleIsTheStandardWebhooksOneThenParking() {
    assertEquals(STANDARD_WEBHOOKS_SCHEDULE, WebhookRetrySchedule.DELAYS);
    assertEquals(10, WebhookRetrySchedule.MAX_ATTEMPTS);
    for (int attempts = 1; attempts <= 9; attempts++) {
      Duration step = STANDARD_WEBHOOKS_SCHEDULE.get(attempts - 1);
      assertEquals(Optional.of(scaled(step, 0.9)), WebhookRetrySchedule.delayAfter(attempts, null, LOWEST));
      assertEquals(Optional.of(scaled(step, 1.1)), WebhookRetrySchedule.delayAfter(attempts, null, HIGHEST));
    }
    assertEquals(Optional.empty(), WebhookRetrySchedule.delayAfter(10, null, LOWEST));
    assertEquals(Optional.empty(), WebhookRetrySchedule.delayAfter(11, null, LOWEST));
    assertEquals(Optional.empty(), WebhookRetrySchedule.delayAfter(Integer.MAX_VALUE, null, LOWEST));
  }

  @Test
  void jitterStaysWithinTenPercentAndSpreads() {
    Random random = new Random(20_240_501L);
    for (int attempts = 1; attempts <= 9; attempts++) {
      Duration step = STANDARD_WEBHOOKS_SCHEDULE.get(attempts - 1);
      Duration low = scaled(step, 0.9);
      Duration high = scaled(step, 1.1);
      Duration min = high;
      Duration max = low;
      for (int i = 0; i < 2_000; i++) {
        Duration d = WebhookRetrySchedule.delayAfter(attempts, null, random).orElseThrow();
        assertTrue(d.compareTo(low) >= 0 && d.compareTo(high) <= 0, d + " outside " + low + ".." + high);
        min = d.compareTo(min) < 0 ? d : min;
        max = d.compareTo(max) > 0 ? d : max;
      }
      // Both sides of the step are used, not just one.
      assertTrue(min.compareTo(scaled(step, 0.95)) < 0, "lowest " + min + " for " + step);
      assertTrue(max.compareTo(scaled(step, 1.05)) > 0, "highest " + max + " for " + step);
    }
  }

  @Test
  void aLongerRetryAfterWinsUpToTwentyFourHours() {
    assertEquals(Optional.of(Duration.ofSeconds(60)),
        WebhookRetrySchedule.delayAfter(1, Duration.ofSeconds(60), HIGHEST));
    assertEquals(Optional.of(Duration.ofHours(24)), WebhookRetrySchedule.delayAfter(1, Duration.ofDays(3), LOWEST));
  }

  @Test
  void aShorterRetryAfterDoesNotShortenTheSchedule() {
    assertEquals(Optional.of(scaled(Duration.ofMinutes(30), 0.9)),
        WebhookRetrySchedule.delayAfter(3, Duration.ofSeconds(10), LOWEST));
    assertEquals(Optional.of(scaled(Duration.ofSeconds(5), 0.9)),
        WebhookRetrySchedule.delayAfter(1, Duration.ZERO, LOWEST));
  }

  @Test
  void theCapDoesNotCutTheJitteredLastStep() {
    // The last step jittered up (26.4 h) stays: the 24 h cap limits what a receiver can ask, not the schedule.
    assertEquals(Optional.of(scaled(Duration.ofHours(24), 1.1)),
        WebhookRetrySchedule.delayAfter(9, Duration.ofDays(2), HIGHEST));
  }

  @Test
  void retryAfterNeverPostponesParking() {
    assertEquals(Optional.empty(), WebhookRetrySchedule.delayAfter(10, Duration.ofMinutes(1), LOWEST));
  }

  @Test
  void negativeRetryAfterIsIgnoredAndAttemptsStartAtOne() {
    assertEquals(Optional.of(scaled(Duration.ofSeconds(5), 0.9)),
        WebhookRetrySchedule.delayAfter(1, Duration.ofSeconds(-30), LOWEST));
    assertThrows(IllegalArgumentException.class, () -> WebhookRetrySchedule.delayAfter(0, null, LOWEST));
    assertThrows(NullPointerException.class, () -> WebhookRetrySchedule.delayAfter(1, null, null));
  }

  private static Duration scaled(Duration d, double factor) {
    return Duration.ofMillis(Math.round(d.toMillis() * factor));
  }
}
