package io.loyaltyengine.jdbc;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.testkit.StoreFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * Host transactions of the contract tests: a plain JDBC connection with auto-commit off, and a table of the host's
 * own ({@code host_order}) written in the same transaction as the engine's changes.
 *
 * <p>Thread-safe: threads may begin host transactions at once (each host transaction is confined to its thread).
 */
final class JdbcHostTransactions implements StoreFixture.HostTransactions {
  /** Opens a new connection to the fixture's database. */
  @FunctionalInterface
  interface Connector {
    Connection connect() throws SQLException;
  }

  private final Connector connector;
  /** Duplicate table (PostgreSQL), and the unique violation or duplicate type its catalog raises when two create it. */
  private static final Set<String> CREATED_MEANWHILE = Set.of("42P07", "23505", "42710");

  private volatile boolean tableCreated;

  JdbcHostTransactions(Connector connector) {
    this.connector = connector;
  }

  private void ensureTable() {
    if (tableCreated) {
      return;
    }
    try (Connection connection = connector.connect(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS host_order (order_id VARCHAR(100) PRIMARY KEY)");
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
    } catch (SQLException e) {
      // CREATE TABLE IF NOT EXISTS is not safe against itself on PostgreSQL: of two threads (or fixtures' host
      // transactions) creating the table at once, one fails on the catalog's unique index; the table is there.
      if (!CREATED_MEANWHILE.contains(e.getSQLState())) {
        throw new IllegalStateException("could not create host_order", e);
      }
    }
    tableCreated = true;
  }

  @Override
  public StoreFixture.HostTx begin() {
    ensureTable();
    try {
      Connection connection = connector.connect();
      connection.setAutoCommit(false);
      return new Tx(connection);
    } catch (SQLException e) {
      throw new IllegalStateException("could not begin a host transaction", e);
    }
  }

  @Override
  public long countHostOrders() {
    ensureTable();
    try (Connection connection = connector.connect(); Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM host_order")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("could not count host orders", e);
    }
  }

  private static final class Tx implements StoreFixture.HostTx {
    private final Connection connection;
    private final JdbcHostTransaction transaction;

    Tx(Connection connection) {
      this.connection = connection;
      this.transaction = JdbcHostTransaction.of(connection);
    }

    @Override
    public HostTransaction transaction() {
      return transaction;
    }

    @Override
    public void insertHostOrder(String orderId) {
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO host_order (order_id) VALUES (?)")) {
        insert.setString(1, orderId);
        insert.executeUpdate();
      } catch (SQLException e) {
        throw new IllegalStateException("could not insert a host order", e);
      }
    }

    @Override
    public void commit() {
      try {
        connection.commit();
      } catch (SQLException e) {
        throw new IllegalStateException("could not commit the host transaction", e);
      }
    }

    @Override
    public void rollback() {
      try {
        connection.rollback();
      } catch (SQLException e) {
        throw new IllegalStateException("could not roll back the host transaction", e);
      }
    }

    @Override
    public void close() {
      try {
        connection.close();
      } catch (SQLException e) {
        throw new IllegalStateException("could not close the host connection", e);
      }
    }
  }
}
