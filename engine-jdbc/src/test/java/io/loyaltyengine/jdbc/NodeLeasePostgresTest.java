package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Node leases of engines on the embedded PostgreSQL. */
class NodeLeasePostgresTest extends NodeLeaseTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
