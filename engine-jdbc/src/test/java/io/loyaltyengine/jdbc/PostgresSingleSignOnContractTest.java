package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.SingleSignOnContractTest;

/** The single sign-on and customer mapping contract suite on the embedded PostgreSQL (two engines in its races). */
class PostgresSingleSignOnContractTest extends SingleSignOnContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
