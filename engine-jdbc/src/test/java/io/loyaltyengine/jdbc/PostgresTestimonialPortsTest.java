package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.TestimonialPortsContractTest;
import java.sql.SQLException;

/** The testimonial port's contract suite on the embedded PostgreSQL. */
class PostgresTestimonialPortsTest extends TestimonialPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
