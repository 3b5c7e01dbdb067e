package io.loyaltyengine.jdbc;

/** A campaign's index rebuilt while other reads and writes go on, on the embedded PostgreSQL. */
class LeaderboardRebuildPostgresTest extends LeaderboardRebuildTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
