package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** The leaderboard index under concurrent writes and reads, on an H2 file. */
class LeaderboardIndexConcurrencyH2Test extends LeaderboardIndexConcurrencyTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  int operationsPerThread() {
    return 120;
  }
}
