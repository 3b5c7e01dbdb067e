package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.NestedTransactionContractTest;
import java.sql.SQLException;

/** The contract of nested units of work (savepoints) on the embedded PostgreSQL, where a failed statement aborts. */
class NestedTransactionPostgresTest extends NestedTransactionContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
