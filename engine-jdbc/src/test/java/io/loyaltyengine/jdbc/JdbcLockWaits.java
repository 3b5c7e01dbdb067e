package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * Sees a session of a test database wait for a lock, through the database's own view of its sessions: PostgreSQL's
 * {@code pg_stat_activity}, H2's {@code INFORMATION_SCHEMA.SESSIONS}.
 *
 * <p>Thread-safe: stateless.
 */
final class JdbcLockWaits {
  private JdbcLockWaits() {
  }

  /** Polls until a session of the fixture's database waits for a lock; fails if none does within a minute. */
  static void awaitASessionBlockedOnALock(JdbcFixture fixture) throws SQLException {
    String query = fixture.dialect() == SqlDialect.POSTGRESQL
        ? "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        : "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL";
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(query)) {
      while (true) {
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          if (rs.getLong(1) > 0) {
            return;
          }
        }
        assertTrue(System.nanoTime() < deadline, "no session ever waited for a lock");
        Thread.onSpinWait();
      }
    }
  }
}
