package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.ApiKeysContractTest;

/** The API keys' contract suite on an H2 file database. */
class H2ApiKeysTest extends ApiKeysContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
