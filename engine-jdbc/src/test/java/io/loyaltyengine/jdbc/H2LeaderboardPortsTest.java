package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.LeaderboardPortsContractTest;
import java.sql.SQLException;

/**
 * The leaderboard port's contract suite on an H2 file. H2's own row locks at work: the storages' transactions do not
 * take turns here, as host transactions do not.
 */
class H2LeaderboardPortsTest extends LeaderboardPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }

  /**
   * An H2 insert that meets another transaction's uncommitted row of its key runs again until that transaction ends,
   * without showing a blocker: {@link JdbcLockWaits#awaitASessionWaiting} sees it too.
   */
  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
