package io.loyaltyengine.jdbc;

/** A rotation of signing keys during a read of them, on an H2 file (the engines' transactions take turns). */
class SigningKeyCacheRaceH2Test extends SigningKeyCacheRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
