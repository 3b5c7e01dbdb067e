package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.AccessPortsContractTest;
import java.sql.SQLException;

/**
 * The access ports' contract suite on an H2 file. H2's own row locks at work: the storages' transactions do not
 * take turns here, as host transactions do not.
 */
class H2AccessPortsTest extends AccessPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
