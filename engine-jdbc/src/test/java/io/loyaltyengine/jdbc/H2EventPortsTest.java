package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.EventPortsContractTest;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The event ports' contract suite on an H2 file; its claim waits for an uncommitted claim (no SKIP LOCKED). H2's own
 * row locks at work: the storages' transactions do not take turns here, as host transactions do not.
 */
class H2EventPortsTest extends EventPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
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
