package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link TornReadsTestBase} on the embedded PostgreSQL. */
class TornReadsPostgresTest extends TornReadsTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
