package io.loyaltyengine.jdbc;

/**
 * A mixed batch of group commit run behind savepoints racing a host transaction, on the embedded PostgreSQL with its
 * parallel commits hidden, so that group commit combines every kind of call as on H2.
 */
class MixedBatchLockOrderPostgresTest extends MixedBatchLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
