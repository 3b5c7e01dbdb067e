package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link ActionsAuditTestBase} on the embedded PostgreSQL. */
class ActionsAuditPostgresTest extends ActionsAuditTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
