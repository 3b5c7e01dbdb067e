package io.loyaltyengine.jdbc;

/** A rotation of signing keys during a read of them, on the embedded PostgreSQL. */
class SigningKeyCacheRacePostgresTest extends SigningKeyCacheRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
