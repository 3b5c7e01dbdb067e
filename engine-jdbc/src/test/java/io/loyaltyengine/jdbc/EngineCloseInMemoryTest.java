package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** Closing an engine while an operation runs, on the in-memory store. */
class EngineCloseInMemoryTest extends EngineCloseTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  boolean leasesItsNodeNumber() {
    return false;
  }

  /** The in-memory database's lock, held by the paused unit, keeps even a new storage from opening on it. */
  @Override
  void awaitTheNewEngineAtTheUnitInProgress(StoreFixture fixture, Thread opener) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (opener.getState() != Thread.State.WAITING
        || !Arrays.toString(opener.getStackTrace()).contains(InMemoryStorage.class.getName())) {
      if (System.nanoTime() > deadline) {
        fail("the new engine did not wait for the in-memory database's lock: " + opener.getState() + " "
            + Arrays.toString(opener.getStackTrace()));
      }
      Thread.onSpinWait();
    }
  }
}
