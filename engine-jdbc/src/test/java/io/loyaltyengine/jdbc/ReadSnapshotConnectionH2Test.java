package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A read at one snapshot sets H2's SNAPSHOT level on its connection for its transaction only: the host's pool gets
 * the connection back at READ COMMITTED, after a read that returned and after one that threw, and the storage's next
 * transaction on it sees what commits between two of its statements again.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ReadSnapshotConnectionH2Test {
  /** H2's SNAPSHOT isolation level as JDBC takes it ({@code org.h2.engine.Constants.TRANSACTION_SNAPSHOT}). */
  private static final int H2_SNAPSHOT = 6;
  private final H2FileFixture fixture = new H2FileFixture(true);
  private final JdbcConnectionPool pool = JdbcConnectionPool.create(fixture.url(), "", "");
  private JdbcStorage storage;

  @AfterEach
  void close() {
    if (storage != null) {
      storage.close();
    }
    pool.dispose();
    fixture.close();
  }

  @Test
  void theHostsPoolGetsItsConnectionBackAtReadCommitted() throws SQLException {
    pool.setMaxConnections(1);
    storage = JdbcStorage.builder().dataSource(pool).build();
    storage.inReadTransaction(tx -> tx.tenants().find(1));
    assertEquals(Connection.TRANSACTION_READ_COMMITTED, isolationOfTheHostsNextConnection());
    assertThrows(IllegalStateException.class, () -> storage.inReadTransaction(tx -> {
      tx.tenants().find(1);
      throw new IllegalStateException("the read fails");
    }));
    assertEquals(Connection.TRANSACTION_READ_COMMITTED, isolationOfTheHostsNextConnection());

    // The storage's next transaction on that connection reads at READ COMMITTED again.
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    Tenant tenant = new Tenant(1, "Snap", TenantType.BUSINESS, now, null);
    Storage other = fixture.openStorageWithoutTakingTurns();
    Optional<Tenant> seen = storage.inTransaction(tx -> {
      tx.tenants().find(1);
      other.inTransaction(otx -> {
        otx.tenants().insert(tenant);
        return null;
      });
      return tx.tenants().find(1);
    });
    assertEquals(Optional.of(tenant), seen, "a commit between two statements of a write transaction is seen");
  }

  /**
   * A host's pool that hands its connections out at H2's SNAPSHOT level (a level JDBC does not name): a read runs
   * on them, and hands them back at that level.
   */
  @Test
  void aReadWorksOnAHostPoolAtH2sSnapshotLevelAndLeavesItThere() throws SQLException {
    pool.setMaxConnections(1);
    storage = JdbcStorage.builder().dataSource(TestProxies.connectionsThrough(pool, connection -> {
      try {
        connection.setTransactionIsolation(H2_SNAPSHOT);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      return connection;
    })).build();
    assertEquals(Optional.empty(), storage.inReadTransaction(tx -> tx.tenants().find(1)));
    try (Connection c = pool.getConnection()) {
      assertEquals(H2_SNAPSHOT, c.getTransactionIsolation(), "the connection goes back at the level it came at");
    }
  }

  private int isolationOfTheHostsNextConnection() throws SQLException {
    try (Connection c = pool.getConnection()) {
      return c.getTransactionIsolation();
    }
  }
}
