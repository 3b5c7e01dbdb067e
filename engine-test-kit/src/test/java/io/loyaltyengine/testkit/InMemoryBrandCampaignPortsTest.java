package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.BrandCampaignPortsContractTest;

/** The brand and campaign ports' contract suite on the in-memory backend. */
class InMemoryBrandCampaignPortsTest extends BrandCampaignPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
