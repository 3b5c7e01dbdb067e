package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.SingleSignOnContractTest;

/** The single sign-on and customer mapping contract suite on the in-memory backend. */
class InMemorySingleSignOnContractTest extends SingleSignOnContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
