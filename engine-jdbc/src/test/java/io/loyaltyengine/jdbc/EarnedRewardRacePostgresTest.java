package io.loyaltyengine.jdbc;

/** The earned-reward lifecycle raced through two engines on the embedded PostgreSQL. */
class EarnedRewardRacePostgresTest extends EarnedRewardRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
