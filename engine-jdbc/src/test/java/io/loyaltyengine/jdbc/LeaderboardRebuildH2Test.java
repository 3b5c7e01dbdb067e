package io.loyaltyengine.jdbc;

/** A campaign's index rebuilt while other reads and writes go on, on an H2 file. */
class LeaderboardRebuildH2Test extends LeaderboardRebuildTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
