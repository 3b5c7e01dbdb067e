package io.loyaltyengine.jdbc;

/** A plan change during a key's read, on an H2 file. */
class AccessCacheRaceH2Test extends AccessCacheRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
