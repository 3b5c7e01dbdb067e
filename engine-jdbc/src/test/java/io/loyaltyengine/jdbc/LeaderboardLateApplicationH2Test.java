package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Board writes applied after a later deletion's, on an H2 file. */
class LeaderboardLateApplicationH2Test extends LeaderboardLateApplicationTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
