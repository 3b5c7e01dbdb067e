package io.loyaltyengine.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.EngineStorage;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The builder validates each setting when it is set, HikariCP-style, naming the setting and its bounds. */
class EngineBuilderTest {
  @Test
  void settingsAreValidatedAtOnce() {
    assertThrows(NullPointerException.class, () -> LoyaltyEngine.builder().storage(null));
    assertThrows(NullPointerException.class, () -> LoyaltyEngine.builder().clock(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoyaltyEngine.builder().maxTransactionRetries(21));
    assertEquals("maxTransactionRetries must be between 0 and 20 but was 21", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LoyaltyEngine.builder().nodeId(1024));
    assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder().clock(Clock.systemUTC())
        .clock(Clock.systemUTC()));
    assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder().nodeId(1).idGenerator(() -> 1));
    IllegalArgumentException limits = assertThrows(IllegalArgumentException.class,
        () -> EngineLimits.builder().maxMetadataKeys(0));
    assertTrue(limits.getMessage().startsWith("maxMetadataKeys must be between 1 and 1000"));
  }

  @Test
  void buildWithoutStorageSaysWhatToDo() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder().build());
    assertTrue(e.getMessage().contains("storage must be set"));
  }

  /**
   * A delivery starts only while half its lease is left, so a lease shorter than twice the slowest webhook call
   * lets a call outlive it; build() refuses that, naming both settings and the bound, before anything starts.
   */
  @Test
  void buildRefusesALeaseShorterThanTwiceTheSlowestWebhookCall() {
    EngineStorage storage = () -> { };
    WebhookSettings slow = WebhookSettings.DEFAULTS.withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(50));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder()
        .storage(storage)
        .webhooks(slow)
        .events(EventSettings.builder().manualDispatch().lease(Duration.ofSeconds(119)).build())
        .build());
    assertEquals("events.lease must be at least twice webhooks.connectTimeout plus webhooks.requestTimeout (PT2M)"
        + " but was PT1M59S", e.getMessage());
    IllegalStateException defaults = assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder()
        .storage(storage)
        .events(EventSettings.builder().lease(Duration.ofSeconds(39)).build())
        .build());
    assertTrue(defaults.getMessage().contains("(PT40S)"), defaults.getMessage());
  }

  /**
   * A storage that is not a storage module's (hosts never implement {@link EngineStorage} themselves) is refused by
   * build() as its other refusals are, with an IllegalStateException naming the setting, and closed.
   */
  @Test
  void buildRefusesAStorageThatDoesNotImplementTheStorageSpi() {
    AtomicInteger closed = new AtomicInteger();
    EngineStorage storage = closed::incrementAndGet;
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LoyaltyEngine.builder().storage(storage).build());
    assertTrue(e.getMessage().startsWith("storage must implement the engine-core storage SPI "
        + "(io.loyaltyengine.core.spi.Storage), as JdbcStorage and InMemoryStorage do, but was "
        + storage.getClass().getName()), e.getMessage());
    assertEquals(1, closed.get(), "closed once");
  }

  /** The engine owns the storage from storage() on, so a build that fails closes it (an H2 file keeps a lock). */
  @Test
  void aBuildThatFailsClosesTheStorageItWasGiven() {
    AtomicInteger closed = new AtomicInteger();
    EngineStorage storage = closed::incrementAndGet;
    assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder()
        .storage(storage)
        .events(EventSettings.builder().lease(Duration.ofSeconds(39)).build())
        .build());
    assertEquals(1, closed.get(), "closed once");
    LoyaltyEngine.Builder failed = LoyaltyEngine.builder()
        .storage(storage)
        .events(EventSettings.builder().lease(Duration.ofSeconds(39)).build());
    assertThrows(IllegalStateException.class, failed::build);
    IllegalStateException again = assertThrows(IllegalStateException.class, failed::build);
    assertTrue(again.getMessage().startsWith("build() was already called"), again.getMessage());
    assertEquals(2, closed.get(), "a second build of that builder neither builds on its closed storage nor closes "
        + "it again");

    EngineStorage failingToClose = () -> {
      throw new IllegalStateException("close failed");
    };
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LoyaltyEngine.builder()
        .storage(failingToClose)
        .events(EventSettings.builder().lease(Duration.ofSeconds(39)).build())
        .build());
    assertTrue(e.getMessage().startsWith("events.lease"), "the build's own failure: " + e.getMessage());
    assertEquals("close failed", e.getSuppressed()[0].getMessage());
  }
}
