package io.loyaltyengine.jdbc;

/** Host transactions at other isolation levels than READ COMMITTED, on the embedded PostgreSQL. */
class HostTransactionIsolationPostgresTest extends HostTransactionIsolationTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
