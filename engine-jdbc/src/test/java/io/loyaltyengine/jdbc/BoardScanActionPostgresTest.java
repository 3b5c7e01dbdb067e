package io.loyaltyengine.jdbc;

/** An action recorded while a campaign's index is first built, on the embedded PostgreSQL. */
class BoardScanActionPostgresTest extends BoardScanActionTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
