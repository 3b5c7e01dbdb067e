package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.AccessPortsContractTest;
import java.sql.SQLException;

/** The access ports' contract suite on the embedded PostgreSQL. */
class PostgresAccessPortsTest extends AccessPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
