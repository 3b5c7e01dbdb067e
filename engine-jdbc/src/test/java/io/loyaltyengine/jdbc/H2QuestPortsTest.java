package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.QuestPortsContractTest;
import java.sql.SQLException;

/** The quest port's contract suite on an H2 file. */
class H2QuestPortsTest extends QuestPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
