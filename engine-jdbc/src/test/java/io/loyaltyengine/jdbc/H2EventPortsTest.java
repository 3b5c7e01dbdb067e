package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.EventPortsContractTest;
import java.sql.SQLException;
import java.util.Optional;

/** The event ports' contract suite on an H2 file; its claim waits for an uncommitted claim (no SKIP LOCKED). */
class H2EventPortsTest extends EventPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }

  @Override
  protected Optional<EventTables> eventTables() {
    return Optional.of(new JdbcEventTables((JdbcFixture) fixture()));
  }
}
