package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.LeaderboardPortsContractTest;
import java.sql.SQLException;

/** The leaderboard port's contract suite on the embedded PostgreSQL, sessions in a zone unlike the JVM's. */
class PostgresLeaderboardPortsTest extends LeaderboardPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
