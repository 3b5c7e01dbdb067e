package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.SingleSignOnContractTest;

/** The single sign-on and customer mapping contract suite on an H2 file database. */
class H2SingleSignOnContractTest extends SingleSignOnContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
