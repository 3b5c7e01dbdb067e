package io.loyaltyengine.jdbc;

/** Writes while a board is scanned, on the embedded PostgreSQL. */
class BoardScanRacePostgresTest extends BoardScanRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
