package io.loyaltyengine.testkit.contract;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the suites that check the contract through the engine's API share: a fresh fixture and a settable clock for
 * each test, and the engines a test builds on the fixture, closed after it (newest first, then the fixture; every
 * one of them even when one fails, the first failure thrown with the others suppressed in it).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class EngineContractSupport {
  private final Instant start;
  private StoreFixture fixture;
  private SettableClock clock;
  private final List<LoyaltyEngine> engines = new ArrayList<>();

  /** @param start where the clock of every test starts */
  EngineContractSupport(Instant start) {
    this.start = start;
  }

  /**
   * A fixture on a fresh, empty database of the backend under test; called before each test and closed after it.
   */
  protected abstract StoreFixture createFixture();

  @BeforeEach
  final void openFixture() {
    fixture = Objects.requireNonNull(createFixture(), "createFixture() returned null");
    clock = SettableClock.at(start);
  }

  @AfterEach
  final void closeFixture() {
    RuntimeException failure = null;
    List<LoyaltyEngine> open = new ArrayList<>(engines);
    Collections.reverse(open);
    for (LoyaltyEngine engine : open) {
      try {
        engine.close();
      } catch (RuntimeException e) {
        failure = addTo(failure, e);
      }
    }
    engines.clear();
    try {
      fixture.close();
    } catch (RuntimeException e) {
      failure = addTo(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /** The fixture of the running test. */
  protected final StoreFixture fixture() {
    return fixture;
  }

  /** The clock of the running test's engines. */
  protected final SettableClock clock() {
    return clock;
  }

  /** What the backend under test can do, as its fixture declares. */
  protected final Set<StorageCapability> capabilities() {
    return fixture.capabilities();
  }

  /**
   * A new engine on a new storage of the fixture, on the test's clock, with {@code settings} applied; closed after
   * the test. Each gets the next node number (1, 2, ...), so the default ids of two engines stay apart.
   */
  final LoyaltyEngine engine(Consumer<LoyaltyEngine.Builder> settings) {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .nodeId(engines.size() + 1);
    settings.accept(builder);
    return closedAfterTheTest(builder.build());
  }

  /** Closes {@code engine} after the test; returns it. */
  final LoyaltyEngine closedAfterTheTest(LoyaltyEngine engine) {
    engines.add(engine);
    return engine;
  }

  /** The engines the running test built, oldest first. */
  final List<LoyaltyEngine> engines() {
    return Collections.unmodifiableList(engines);
  }
}
