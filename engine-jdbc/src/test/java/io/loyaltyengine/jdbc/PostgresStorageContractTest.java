package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.StorageContractTest;

/** The storage contract suite on a fresh database of the shared embedded PostgreSQL, sessions in a zone unlike the JVM's. */
class PostgresStorageContractTest extends StorageContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
