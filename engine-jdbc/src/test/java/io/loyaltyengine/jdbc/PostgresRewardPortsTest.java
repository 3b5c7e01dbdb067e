package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.RewardPortsContractTest;
import java.sql.SQLException;

/** The reward ports' contract suite on the embedded PostgreSQL, sessions in a zone unlike the JVM's. */
class PostgresRewardPortsTest extends RewardPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
