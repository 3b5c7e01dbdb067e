package io.loyaltyengine.jdbc;

/**
 * The earned-reward races on the embedded PostgreSQL, each call in a host transaction of its own that the engine
 * joins: a deadlock surfaces as STORAGE_UNAVAILABLE instead of being retried.
 */
class EarnedRewardRaceHostTransactionsPostgresTest extends EarnedRewardRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  boolean inHostTransactions() {
    return true;
  }
}
