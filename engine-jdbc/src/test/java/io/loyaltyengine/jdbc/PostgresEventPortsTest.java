package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.EventPortsContractTest;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The event ports' contract suite on the embedded PostgreSQL, sessions in a zone unlike the JVM's, in a database whose
 * text sorts as American English (as production databases created with {@code en_US.UTF-8} do), so that an order of
 * subscriber names left to the database's collation shows.
 */
class PostgresEventPortsTest extends EventPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture(EmbeddedPostgresServer.ICU_EN_US);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }

  /** The claim is {@code FOR UPDATE SKIP LOCKED}. */
  @Override
  protected boolean claimSkipsHeldDeliveries() {
    return true;
  }

  @Override
  protected Optional<EventTables> eventTables() {
    return Optional.of(new JdbcEventTables((JdbcFixture) fixture()));
  }
}
