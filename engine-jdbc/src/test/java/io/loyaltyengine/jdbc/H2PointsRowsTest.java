package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.PointsRowsContractTest;
import java.sql.SQLException;

/** The contract of the points writes on an H2 file, where appendPointsRows goes through the ports' batches. */
class H2PointsRowsTest extends PointsRowsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
