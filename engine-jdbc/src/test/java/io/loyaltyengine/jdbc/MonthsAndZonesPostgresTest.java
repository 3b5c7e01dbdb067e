package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link MonthsAndZonesTestBase} on the embedded PostgreSQL. */
class MonthsAndZonesPostgresTest extends MonthsAndZonesTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
