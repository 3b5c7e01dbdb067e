package io.loyaltyengine.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every row of every table of a fixture's database (its connection's current schema), each table's rows as sorted
 * texts, for tests that assert a call changed nothing. Stateless.
 */
final class TableSnapshot {
  private TableSnapshot() {
  }

  /** The rows of every base table by table name; equal snapshots mean equal contents. */
  static Map<String, List<String>> of(JdbcFixture fixture) {
    Map<String, List<String>> tables = new TreeMap<>();
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      List<String> names = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement("SELECT table_name FROM information_schema.tables"
          + " WHERE table_schema = ? AND table_type = 'BASE TABLE'")) {
        p.setString(1, c.getSchema());
        try (ResultSet r = p.executeQuery()) {
          while (r.next()) {
            names.add(r.getString(1));
          }
        }
      }
      if (names.isEmpty()) {
        throw new IllegalStateException("no table in schema " + c.getSchema());
      }
      for (String table : names) {
        List<String> rows = new ArrayList<>();
        try (ResultSet r = s.executeQuery("SELECT * FROM \"" + table + "\"")) {
          int columns = r.getMetaData().getColumnCount();
          while (r.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= columns; i++) {
              Object v = r.getObject(i);
              row.append(v instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(v)).append('\u0001');
            }
            rows.add(row.toString());
          }
        }
        rows.sort(null);
        tables.put(table, rows);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading the snapshot failed", e);
    }
    return tables;
  }
}
