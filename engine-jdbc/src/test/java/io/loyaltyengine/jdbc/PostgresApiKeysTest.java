package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.ApiKeysContractTest;

/** The API keys' contract suite on a fresh database of the shared embedded PostgreSQL. */
class PostgresApiKeysTest extends ApiKeysContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
