package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API input fuzzer on an H2 file, with fewer calls than on the in-memory store (each call also reads every
 * table for the snapshot). The snapshot is every row of every table, each table's rows as sorted texts.
 */
class H2ApiInputFuzzTest extends ApiInputFuzzContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected int defaultCalls() {
    return 4_000;
  }

  @Override
  protected Object storeSnapshot(StoreFixture fixture) {
    Map<String, List<String>> tables = new TreeMap<>();
    try (Connection c = ((JdbcFixture) fixture).connect(); Statement s = c.createStatement()) {
      List<String> names = new ArrayList<>();
      try (ResultSet r = s.executeQuery("SELECT table_name FROM information_schema.tables "
          + "WHERE table_schema = 'PUBLIC' AND table_type = 'BASE TABLE'")) {
        while (r.next()) {
          names.add(r.getString(1));
        }
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
