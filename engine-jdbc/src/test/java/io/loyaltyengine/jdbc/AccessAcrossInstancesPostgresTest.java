package io.loyaltyengine.jdbc;

/** What API keys and rate limits promise across engine instances sharing the embedded PostgreSQL. */
class AccessAcrossInstancesPostgresTest extends AccessAcrossInstancesTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
