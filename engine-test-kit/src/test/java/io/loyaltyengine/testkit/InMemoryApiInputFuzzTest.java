package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest;

/** The API input fuzzer on the in-memory store, whose snapshot is a copy of its tables. */
class InMemoryApiInputFuzzTest extends ApiInputFuzzContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected Object storeSnapshot(StoreFixture fixture) {
    return ((InMemoryStoreFixture) fixture).database().snapshot();
  }
}
