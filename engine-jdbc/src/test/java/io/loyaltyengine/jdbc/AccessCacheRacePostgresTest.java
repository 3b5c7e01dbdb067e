package io.loyaltyengine.jdbc;

/** A plan change during a key's read, on the embedded PostgreSQL. */
class AccessCacheRacePostgresTest extends AccessCacheRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
