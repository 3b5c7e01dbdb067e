package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.EventPortsContractTest;

/** The event ports' contract suite on the in-memory backend. */
class InMemoryEventPortsTest extends EventPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
