package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link MonthsAndZonesTestBase} on an H2 file. */
class MonthsAndZonesH2Test extends MonthsAndZonesTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
