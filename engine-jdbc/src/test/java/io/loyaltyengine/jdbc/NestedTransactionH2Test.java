package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.NestedTransactionContractTest;
import java.sql.SQLException;

/** The contract of nested units of work (savepoints) on an H2 file. */
class NestedTransactionH2Test extends NestedTransactionContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
