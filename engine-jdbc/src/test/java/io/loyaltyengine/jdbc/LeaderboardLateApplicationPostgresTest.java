package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Board writes applied after a later deletion's, on the embedded PostgreSQL. */
class LeaderboardLateApplicationPostgresTest extends LeaderboardLateApplicationTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }
}
