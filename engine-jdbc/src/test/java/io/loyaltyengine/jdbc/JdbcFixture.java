package io.loyaltyengine.jdbc;

import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.testkit.StoreFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A store fixture on a JDBC database that tests can also reach with plain SQL. */
interface JdbcFixture extends StoreFixture {
  /** A new connection to the fixture's database, auto-commit on; the caller closes it. */
  Connection connect() throws SQLException;

  /**
   * A new storage on the database whose transactions run beside each other's, as host transactions do: for the tests
   * of the database's own row locks, which hold two of its transactions open at once. On H2 one built not to take
   * turns ({@link io.loyaltyengine.jdbc.internal.H2TransactionGate}); elsewhere {@link #openStorage()}.
   */
  default Storage openStorageWithoutTakingTurns() {
    return openStorage();
  }

  /** The storage's dialect. */
  SqlDialect dialect();

  /** The count a {@code SELECT COUNT(*)} query with one long parameter ({@code ?}) answers. */
  default long count(String sql, long parameter) throws SQLException {
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, parameter);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
