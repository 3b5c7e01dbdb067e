package io.loyaltyengine.jdbc;

/** Configuration updates racing another change of their row or key, on an H2 file. */
class UpdateRaceH2Test extends UpdateRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
