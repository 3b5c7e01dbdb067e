package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.NestedTransactionContractTest;

/** The contract of nested units of work on the in-memory backend. */
class NestedTransactionInMemoryTest extends NestedTransactionContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
