package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** {@link MonthsAndZonesTestBase} on the in-memory store. */
class MonthsAndZonesInMemoryTest extends MonthsAndZonesTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
