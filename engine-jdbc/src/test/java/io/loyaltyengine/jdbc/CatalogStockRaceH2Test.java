package io.loyaltyengine.jdbc;

/** A catalog reward's stock and price changed while it is redeemed, on an H2 file. */
class CatalogStockRaceH2Test extends CatalogStockRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
