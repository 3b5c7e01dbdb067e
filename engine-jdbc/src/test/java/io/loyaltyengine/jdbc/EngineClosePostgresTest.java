package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.loyaltyengine.testkit.StoreFixture;
import java.util.concurrent.TimeUnit;

/**
 * Closing an engine while an operation runs, on PostgreSQL. The fixture hands the storage a pool of its own as a
 * host DataSource, which the storage's close leaves open (see {@link PostgresStorageCloseTest} for a pool the storage
 * made).
 */
class EngineClosePostgresTest extends EngineCloseTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  boolean leasesItsNodeNumber() {
    return true;
  }

  /** PostgreSQL's transactions do not take turns: the new engine opens and works beside the paused unit. */
  @Override
  void awaitTheNewEngineAtTheUnitInProgress(StoreFixture fixture, Thread opener) throws InterruptedException {
    opener.join(TimeUnit.SECONDS.toMillis(60));
    assertFalse(opener.isAlive(), "the new engine opened and worked without waiting for the paused unit");
  }
}
