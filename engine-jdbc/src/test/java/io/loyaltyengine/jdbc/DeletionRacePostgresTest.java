package io.loyaltyengine.jdbc;

/** A participant deleted during a change of theirs, on the embedded PostgreSQL. */
class DeletionRacePostgresTest extends DeletionRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
