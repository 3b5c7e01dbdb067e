package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.RewardPortsContractTest;
import java.time.temporal.ChronoUnit;

/** The reward ports' contract suite on the in-memory backend. */
class InMemoryRewardPortsTest extends RewardPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }

  /** {@link InMemoryStorage} keeps instants exactly as given. */
  @Override
  protected ChronoUnit instantPrecision() {
    return ChronoUnit.NANOS;
  }
}
