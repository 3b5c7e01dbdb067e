package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** Board writes applied after a later deletion's, on the in-memory store. */
class LeaderboardLateApplicationInMemoryTest extends LeaderboardLateApplicationTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
