package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.AccessPortsContractTest;

/** The access ports' contract suite on the in-memory backend. */
class InMemoryAccessPortsTest extends AccessPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
