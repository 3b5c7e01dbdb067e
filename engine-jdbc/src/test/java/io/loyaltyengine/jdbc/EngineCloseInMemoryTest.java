package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** Closing an engine while an operation runs, on the in-memory store. */
class EngineCloseInMemoryTest extends EngineCloseTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  boolean leasesItsNodeNumber() {
    return false;
  }
}
