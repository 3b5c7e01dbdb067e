package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** The leaderboard index under concurrent writes and reads, on the in-memory store. */
class LeaderboardIndexConcurrencyInMemoryTest extends LeaderboardIndexConcurrencyTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  int operationsPerThread() {
    return 500;
  }
}
