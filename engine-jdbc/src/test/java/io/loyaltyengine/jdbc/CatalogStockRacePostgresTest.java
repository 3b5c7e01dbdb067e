package io.loyaltyengine.jdbc;

/** A catalog reward's stock and price changed while it is redeemed, on the embedded PostgreSQL. */
class CatalogStockRacePostgresTest extends CatalogStockRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
