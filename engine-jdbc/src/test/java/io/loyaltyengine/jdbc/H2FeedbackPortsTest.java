package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.FeedbackPortsContractTest;
import java.sql.SQLException;

/** The feedback port's contract suite on an H2 file. */
class H2FeedbackPortsTest extends FeedbackPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
