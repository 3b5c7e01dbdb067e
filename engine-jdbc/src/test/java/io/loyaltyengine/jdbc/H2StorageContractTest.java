package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.StorageContractTest;

/** The storage contract suite on an H2 file database, pool auto-commit on. */
class H2StorageContractTest extends StorageContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
