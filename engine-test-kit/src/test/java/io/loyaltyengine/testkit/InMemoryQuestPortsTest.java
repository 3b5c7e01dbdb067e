package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.QuestPortsContractTest;

/** The quest port's contract suite on the in-memory backend. */
class InMemoryQuestPortsTest extends QuestPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
