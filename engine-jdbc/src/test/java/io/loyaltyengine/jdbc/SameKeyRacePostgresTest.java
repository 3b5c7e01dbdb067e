package io.loyaltyengine.jdbc;

/** Two requests with one idempotency key racing, on the embedded PostgreSQL. */
class SameKeyRacePostgresTest extends SameKeyRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
