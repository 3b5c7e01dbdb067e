package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link ActionCountsSnapshotTestBase} on the embedded PostgreSQL. */
class ActionCountsSnapshotPostgresTest extends ActionCountsSnapshotTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
