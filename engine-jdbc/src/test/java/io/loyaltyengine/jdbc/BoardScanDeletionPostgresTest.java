package io.loyaltyengine.jdbc;

/** A participant deleted while a board is scanned, on the embedded PostgreSQL. */
class BoardScanDeletionPostgresTest extends BoardScanDeletionTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
