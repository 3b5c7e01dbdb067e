package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.StorageContractTest;

/** The storage contract suite on the in-memory backend. */
class InMemoryStorageContractTest extends StorageContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
