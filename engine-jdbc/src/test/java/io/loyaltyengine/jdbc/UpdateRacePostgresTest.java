package io.loyaltyengine.jdbc;

/** Configuration updates racing another change of their row or key, on the embedded PostgreSQL. */
class UpdateRacePostgresTest extends UpdateRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
