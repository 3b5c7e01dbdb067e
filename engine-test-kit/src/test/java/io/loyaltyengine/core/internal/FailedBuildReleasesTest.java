package io.loyaltyengine.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.core.webhook.WebhookDeliverer;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.internal.EngineConfig;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

/**
 * An engine whose build fails after it claimed its node number (here: the event dispatcher's thread cannot be made,
 * as in a JVM out of threads) releases the number before the failure reaches the host, so that a host retrying
 * build() on a database whose other numbers are all held gets the number again at once, not after its lease (10
 * minutes) runs out; and the host sees the build's own failure.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class FailedBuildReleasesTest {
  private static final Instant START = Instant.parse("2025-06-01T08:00:00Z");
  /** The highest node number (bits 12..21 of an id). */
  private static final int LAST = 1023;

  private final SettableClock clock = SettableClock.at(START);

  @Test
  void aBuildThatFailsAfterClaimingItsNodeNumberReleasesIt() {
    InMemoryStorage storage = new InMemoryStorage();
    // Every number but the last held by other instances for an hour: a number left leased by the failed build would
    // leave none for the next.
    storage.inTransaction(tx -> {
      for (int i = 0; i < LAST; i++) {
        OptionalInt node = tx.nodes().claim("other-" + i, START, START.plus(Duration.ofHours(1)));
        assertEquals(OptionalInt.of(i), node, "another instance's number");
      }
      return null;
    });
    OutOfMemoryError refusal = new OutOfMemoryError("unable to create native thread: possibly out of memory");
    ThreadFactory refusing = r -> {
      throw refusal;
    };
    EngineConfig config = new EngineConfig(storage, clock, null, -1, EngineLimits.DEFAULTS, 5, 64,
        EventSettings.DEFAULTS, WebhookSettings.DEFAULTS, FraudScreening.DEFAULTS, LeaderboardSettings.DEFAULTS,
        List.of(), List.of(), SsoSettings.DEFAULTS, AccessSettings.DEFAULTS);
    OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class,
        () -> new CoreEngine(config, new WebhookDeliverer(WebhookSettings.DEFAULTS, clock), refusing));
    assertSame(refusal, thrown, "the build's own failure");

    // The released number is free from the millisecond after the claim (no id was made with it).
    clock.advance(Duration.ofMillis(1));
    try (LoyaltyEngine next = LoyaltyEngine.builder().storage(storage).clock(clock)
        .events(EventSettings.builder().manualDispatch().build()).build()) {
      long id = next.tenants().create(NewTenant.business("After a failed build")).id();
      assertEquals(LAST, (id >>> 12) & LAST, "the number the failed build claimed, free again at once");
    }
  }
}
