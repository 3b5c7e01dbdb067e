package io.loyaltyengine.jdbc;

/** The host's connection failing during joined operations, on the embedded PostgreSQL. */
class HostConnectionFaultPostgresTest extends HostConnectionFaultTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
