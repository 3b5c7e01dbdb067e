package io.loyaltyengine.jdbc;

/**
 * A bulk chunk run again behind savepoints racing a host changing two of its participants, on the embedded
 * PostgreSQL.
 */
class BulkLockOrderPostgresTest extends BulkLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
