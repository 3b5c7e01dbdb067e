package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.loyaltyengine.jdbc.internal.DatabaseChecks;
import io.loyaltyengine.jdbc.internal.H2TransactionGate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Sees a session of a test database wait for a lock, through the database's own view of its sessions: PostgreSQL's
 * {@code pg_stat_activity}, H2's {@code INFORMATION_SCHEMA.SESSIONS}. On H2 a storage's transaction that waits for
 * its turn at the database's {@link H2TransactionGate} (another of the engine's transactions runs) counts as waiting
 * for a lock too: that is where the engine's own transactions wait for each other there.
 *
 * <p>Thread-safe: stateless.
 */
final class JdbcLockWaits {
  private static final String POSTGRES_BLOCKED =
      "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
  private static final String H2_BLOCKED =
      "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL";

  /** For the waits that end only when a session waits. */
  private static final BooleanSupplier NEVER = () -> false;

  private JdbcLockWaits() {
  }

  /** Polls until a session of the fixture's database waits for a lock; fails if none does within a minute. */
  static void awaitASessionBlockedOnALock(JdbcFixture fixture) throws SQLException {
    awaitSessionsBlockedOnALock(fixture, 1);
  }

  /** Polls until {@code sessions} sessions of the fixture's database wait for a lock; fails if not within a minute. */
  static void awaitSessionsBlockedOnALock(JdbcFixture fixture, int sessions) throws SQLException {
    await(fixture, fixture.dialect() == SqlDialect.POSTGRESQL ? POSTGRES_BLOCKED : H2_BLOCKED, sessions, true, NEVER);
  }

  /**
   * Polls until a session of the fixture's database waits for a lock (on H2, not counting the transaction gate), or
   * until {@code ended} says that the work which might have waited is over; fails if neither within a minute.
   */
  static void awaitASessionBlockedOnALockOr(JdbcFixture fixture, BooleanSupplier ended) throws SQLException {
    await(fixture, fixture.dialect() == SqlDialect.POSTGRESQL ? POSTGRES_BLOCKED : H2_BLOCKED, 1, false, ended);
  }

  /** How many sessions of the fixture's database wait for a lock now (on H2, not counting the transaction gate). */
  static long sessionsBlockedOnALock(JdbcFixture fixture) throws SQLException {
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(
        fixture.dialect() == SqlDialect.POSTGRESQL ? POSTGRES_BLOCKED : H2_BLOCKED); ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Polls until a session of the fixture's database waits for a lock that the transaction on {@code holder} holds;
   * fails if none does within a minute.
   */
  static void awaitASessionBlockedBy(JdbcFixture fixture, Connection holder) throws SQLException {
    boolean postgres = fixture.dialect() == SqlDialect.POSTGRESQL;
    long session;
    try (PreparedStatement s = holder.prepareStatement(postgres ? "SELECT pg_backend_pid()" : "SELECT SESSION_ID()");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      session = rs.getLong(1);
    }
    await(fixture, postgres
        ? "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND " + session
            + " = ANY(pg_blocking_pids(pid))"
        : "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID = " + session, 1, false, NEVER);
  }

  /**
   * Polls until a session of the fixture's database waits for another transaction: blocked on a lock, as
   * {@link #awaitASessionBlockedOnALock} sees it, or, on H2 only, still running one statement a tenth of a second
   * after it began. H2 does not block an insert that meets another transaction's uncommitted row of the same key:
   * it runs the statement again and again until that transaction ends, and the session never shows a blocker. (No
   * statement of the tests runs that long otherwise.) Fails if no session waits within a minute.
   */
  static void awaitASessionWaiting(JdbcFixture fixture) throws SQLException {
    await(fixture, waiting(fixture), 1, true, NEVER);
  }

  /**
   * Polls until a session of the fixture's database waits for another transaction, as {@link #awaitASessionWaiting}
   * sees it (on H2, not counting the transaction gate), or until {@code ended} says that the work which might have
   * waited is over; fails if neither within a minute.
   */
  static void awaitASessionWaitingOr(JdbcFixture fixture, BooleanSupplier ended) throws SQLException {
    await(fixture, waiting(fixture), 1, false, ended);
  }

  private static String waiting(JdbcFixture fixture) {
    return fixture.dialect() == SqlDialect.POSTGRESQL ? POSTGRES_BLOCKED : H2_BLOCKED
        + " OR (SESSION_ID <> SESSION_ID() AND EXECUTING_STATEMENT IS NOT NULL"
        + " AND EXECUTING_STATEMENT_START < DATEADD(MILLISECOND, -100, CURRENT_TIMESTAMP))";
  }

  /**
   * Polls {@code query} until it counts {@code sessions}, or until {@code ended}; with {@code orAtTheGate}, counting H2
   * gate waiters too.
   */
  private static void await(JdbcFixture fixture, String query, int sessions, boolean orAtTheGate,
      BooleanSupplier ended) throws SQLException {
    // A guard against a hang, not a measurement: a session that never waits fails the test instead.
    assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
      try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(query)) {
        H2TransactionGate gate = orAtTheGate && fixture.dialect() == SqlDialect.H2
            ? H2TransactionGate.of(DatabaseChecks.h2DatabasePath(c)) : H2TransactionGate.NONE;
        while (!ended.getAsBoolean()) {
          try (ResultSet rs = s.executeQuery()) {
            rs.next();
            if (rs.getLong(1) + gate.waiting() >= sessions) {
              return;
            }
          }
          Thread.onSpinWait();
        }
      }
    }, "no session ever waited for a lock");
  }
}
