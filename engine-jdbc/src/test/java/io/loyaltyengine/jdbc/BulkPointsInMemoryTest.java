package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** The bulk API on the in-memory store. */
class BulkPointsInMemoryTest extends BulkPointsTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
