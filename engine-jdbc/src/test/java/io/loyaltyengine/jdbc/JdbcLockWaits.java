package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

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
    // A guard against a hang, not a measurement: a session that never waits fails the test instead.
    assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
      try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(query)) {
        while (true) {
          try (ResultSet rs = s.executeQuery()) {
            rs.next();
            if (rs.getLong(1) > 0) {
              return;
            }
          }
          Thread.onSpinWait();
        }
      }
    }, "no session ever waited for a lock");
  }
}
