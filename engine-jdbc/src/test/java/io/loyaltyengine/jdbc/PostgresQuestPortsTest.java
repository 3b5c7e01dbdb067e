package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.QuestPortsContractTest;
import java.sql.SQLException;

/** The quest port's contract suite on the embedded PostgreSQL. */
class PostgresQuestPortsTest extends QuestPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
