package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.testkit.StoreFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

/** Closing an engine while an operation runs, on an H2 file. */
class EngineCloseH2Test extends EngineCloseTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  boolean leasesItsNodeNumber() {
    return true;
  }

  /** The new engine's first transaction waits at the database's transaction gate, which the paused unit holds. */
  @Override
  void awaitTheNewEngineAtTheUnitInProgress(StoreFixture fixture, Thread opener) throws Exception {
    JdbcLockWaits.awaitASessionBlockedOnALock((H2FileFixture) fixture);
  }

  @Override
  void assertNothingLeftOpen(StoreFixture fixture, Set<Thread> threadsBefore) throws Exception {
    assertEquals(List.of(), PoolThreads.leftSince(threadsBefore), "the pools' threads ended");
    try (Connection c = ((H2FileFixture) fixture).connect(); Statement s = c.createStatement();
        ResultSet sessions = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS")) {
      sessions.next();
      assertEquals(1, sessions.getInt(1), "only this connection is open on the database");
    }
  }
}
