package io.loyaltyengine.jdbc;

/** An earned reward's move racing its participant's deletion, on the embedded PostgreSQL. */
class RewardLockOrderPostgresTest extends RewardLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
