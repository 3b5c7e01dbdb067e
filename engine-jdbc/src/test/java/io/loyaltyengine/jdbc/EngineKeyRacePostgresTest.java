package io.loyaltyengine.jdbc;

/** Engine ledger keys taken by a host meanwhile, on the embedded PostgreSQL. */
class EngineKeyRacePostgresTest extends EngineKeyRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
