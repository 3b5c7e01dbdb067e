package io.loyaltyengine.jdbc;

/** Engine ledger keys taken by a host meanwhile, on an H2 file. */
class EngineKeyRaceH2Test extends EngineKeyRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
