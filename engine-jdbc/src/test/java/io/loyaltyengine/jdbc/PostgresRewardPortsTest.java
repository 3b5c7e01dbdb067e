package io.loyaltyengine.jdbc;

/** The reward ports on the embedded PostgreSQL, sessions in a zone unlike the JVM's. */
class PostgresRewardPortsTest extends RewardPortsTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
