package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.LeaderboardPortsContractTest;

/** The leaderboard port's contract suite on the in-memory backend. */
class InMemoryLeaderboardPortsTest extends LeaderboardPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
