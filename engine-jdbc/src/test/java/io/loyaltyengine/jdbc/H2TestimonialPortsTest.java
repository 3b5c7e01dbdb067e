package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.TestimonialPortsContractTest;
import java.sql.SQLException;

/**
 * The testimonial port's contract suite on an H2 file. H2's own row locks at work: the storages' transactions do not
 * take turns here, as host transactions do not.
 */
class H2TestimonialPortsTest extends TestimonialPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
