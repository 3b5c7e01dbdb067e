package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.ApiKeysContractTest;

/** The API keys' contract suite on the in-memory backend. */
class InMemoryApiKeysTest extends ApiKeysContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
