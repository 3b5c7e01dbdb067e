package io.loyaltyengine.jdbc;

/**
 * A redemption racing a host's redemption of the same catalog reward for the same participant, on the embedded
 * PostgreSQL.
 */
class RedemptionLockOrderPostgresTest extends RedemptionLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
