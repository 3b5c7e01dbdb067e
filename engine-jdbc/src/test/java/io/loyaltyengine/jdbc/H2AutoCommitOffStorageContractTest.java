package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.StorageContractTest;

/** The storage contract suite on an H2 file database whose pool hands out connections with auto-commit off, so that a forgotten commit loses data and fails the suite. */
class H2AutoCommitOffStorageContractTest extends StorageContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(false);
  }
}
