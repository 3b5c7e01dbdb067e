package io.loyaltyengine.jdbc;

/** Quests raced, on the embedded PostgreSQL. */
class QuestRacePostgresTest extends QuestRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
