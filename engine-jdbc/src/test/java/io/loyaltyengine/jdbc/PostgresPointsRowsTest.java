package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.PointsRowsContractTest;
import java.sql.SQLException;

/**
 * The contract of the points writes on the embedded PostgreSQL, sessions in a zone unlike the JVM's, where
 * appendPointsRows is one statement of its own.
 */
class PostgresPointsRowsTest extends PointsRowsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
