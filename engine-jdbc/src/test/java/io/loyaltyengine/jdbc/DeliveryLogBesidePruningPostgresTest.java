package io.loyaltyengine.jdbc;

/** A delivery log page read in a host's transaction beside pruning, on the embedded PostgreSQL. */
class DeliveryLogBesidePruningPostgresTest extends DeliveryLogBesidePruningTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
