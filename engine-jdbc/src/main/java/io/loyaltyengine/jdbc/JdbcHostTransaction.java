package io.loyaltyengine.jdbc;

import io.loyaltyengine.HostTransaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

/**
 * A transaction the host opened on a JDBC connection to the engine's database, for engine operations to join with
 * {@link io.loyaltyengine.TenantScope#joining(HostTransaction)}.
 *
 * <pre>{@code
 * try (Connection connection = dataSource.getConnection()) {
 *   connection.setAutoCommit(false);
 *   insertOrder(connection, order);                          // the host's own work
 *   engine.forTenant(tenantId).joining(JdbcHostTransaction.of(connection))
 *       .points().award(ParticipantRef.id(buyerId), PointsChange.of(order.points(), "purchase"));
 *   connection.commit();                                     // both commit, or neither
 * }
 * }</pre>
 *
 * <p>The engine writes on the connection and never commits, rolls back or closes it. Each engine operation runs
 * behind a savepoint: if it fails, its own writes are undone and the host's work stays (on PostgreSQL, too, where a
 * failed statement would otherwise abort the whole transaction). One exception, H2's own: a deadlock's victim (the
 * younger transaction; "Deadlock detected. The current transaction was rolled back", SQLState 40001) is rolled back
 * whole, the host's work with it, when it failed in an UPDATE; when it failed in a {@code SELECT ... FOR UPDATE} (the
 * engine's participant locks) H2 keeps the transaction and every row lock it holds until the connection rolls back, and
 * if it was waiting there when another transaction closed the cycle, its next statements fail and its commit fails too
 * ("General error", HY000), leaving its row locks held (seen on H2 2.3.232) until the database closes. So on H2, after
 * an engine operation in the host's transaction fails with STORAGE_UNAVAILABLE, roll the transaction back at once and
 * run it again; never commit it. The connection must reach the engine's database: for the default H2 file storage, open
 * it with the same URL.
 *
 * <p>The transaction must run at READ COMMITTED, as the engine's own do (and as both databases do by default): the
 * engine's checks read after taking a lock (the live API keys counted under the tenant's lock, a key or a completion
 * looked up again after waiting for another transaction) and must see what committed before; under REPEATABLE READ
 * they would decide on an older snapshot (a tenant could get more live keys than allowed), under READ UNCOMMITTED on
 * rows another transaction may still roll back (an award replaying an entry that never commits). A connection at
 * another level is refused when a scope joins it ({@code TenantScope.joining}); READ UNCOMMITTED is taken on
 * PostgreSQL, which runs it as READ COMMITTED. The level is read here, once: set it before wrapping the connection.
 *
 * <p>Not thread-safe: confined to the thread that owns the connection, as the connection is.
 */
public final class JdbcHostTransaction implements HostTransaction {
  private final Connection connection;
  /** The connection's isolation level when it was wrapped ({@link Connection#getTransactionIsolation()}). */
  private final int isolation;

  private JdbcHostTransaction(Connection connection, int isolation) {
    this.connection = connection;
    this.isolation = isolation;
  }

  /**
   * Wraps the host's {@code connection}, whose transaction is open (auto-commit off).
   *
   * @throws NullPointerException if {@code connection} is null
   * @throws IllegalArgumentException if the connection has auto-commit on, is closed, or cannot tell its auto-commit
   *     state or isolation level
   */
  public static JdbcHostTransaction of(Connection connection) {
    Objects.requireNonNull(connection, "connection");
    boolean autoCommit;
    int isolation;
    try {
      autoCommit = connection.getAutoCommit();
      isolation = connection.getTransactionIsolation();
    } catch (SQLException e) {
      throw new IllegalArgumentException("connection is not usable: its auto-commit state or isolation level could"
          + " not be read", e);
    }
    if (autoCommit) {
      throw new IllegalArgumentException("connection must have auto-commit off: a host transaction is one the host"
          + " commits; call connection.setAutoCommit(false) first");
    }
    return new JdbcHostTransaction(connection, isolation);
  }

  /** The host's connection. */
  Connection connection() {
    return connection;
  }

  /** The connection's isolation level when it was wrapped. */
  int isolation() {
    return isolation;
  }

  @Override
  public String toString() {
    // Not the connection's own text: drivers and pools may print the URL, which can hold a password.
    return "JdbcHostTransaction@" + Integer.toHexString(System.identityHashCode(connection));
  }
}
