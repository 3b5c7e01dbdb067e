package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.testkit.contract.EventPortsContractTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * The event tables of a JDBC fixture's database ({@code event_delivery}, {@code event_feed}), read with plain SQL
 * on a connection of their own, for the rules of the event ports' contract that only rows show.
 *
 * <p>Thread-safe: each read opens its own connection.
 */
final class JdbcEventTables implements EventPortsContractTest.EventTables {
  private final JdbcFixture fixture;

  JdbcEventTables(JdbcFixture fixture) {
    this.fixture = fixture;
  }

  @Override
  public long deliveryRows(long tenantId, long eventId) {
    return read("SELECT COUNT(*) FROM event_delivery WHERE tenant_id = ? AND event_id = ?", tenantId, eventId)
        .orElseThrow();
  }

  @Override
  public OptionalLong feedRow(long tenantId) {
    return read("SELECT last_position FROM event_feed WHERE tenant_id = ?", tenantId);
  }

  /** The first column of the query's only row, empty without a row. */
  private OptionalLong read(String query, long... parameters) {
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(query)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setLong(i + 1, parameters[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return OptionalLong.empty();
        }
        long value = rs.getLong(1);
        assertTrue(!rs.next(), "more than one row: " + query);
        return OptionalLong.of(value);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
