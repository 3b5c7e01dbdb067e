package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.PointsRowsContractTest;

/** The contract of the points writes (credit, debit, lockAll, adjustAll, appendPointsRows) in memory. */
class InMemoryPointsRowsTest extends PointsRowsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }

  @Override
  protected boolean unitsOfWorkOverlap() {
    return false; // each unit of work holds the database's one lock from its start to its end
  }
}
