package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.FeedbackPortsContractTest;

/** The feedback port's contract suite on the in-memory backend. */
class InMemoryFeedbackPortsTest extends FeedbackPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
