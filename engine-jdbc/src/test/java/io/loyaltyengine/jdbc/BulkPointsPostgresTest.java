package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** The bulk API on the embedded PostgreSQL. */
class BulkPointsPostgresTest extends BulkPointsTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
