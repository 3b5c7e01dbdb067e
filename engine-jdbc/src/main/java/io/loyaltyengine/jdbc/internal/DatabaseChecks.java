package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the storage checks on a live connection at start: which database it is, and whether it keeps what it
 * commits.
 *
 * <p>Thread-safe: stateless.
 */
public final class DatabaseChecks {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseChecks.class);

  private DatabaseChecks() {
  }

  /**
   * The dialect of the database, from {@link java.sql.DatabaseMetaData#getDatabaseProductName()}.
   *
   * @throws IllegalStateException for a database the engine does not support
   */
  public static SqlDialect detectDialect(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    String normalized = product == null ? "" : product.toLowerCase(Locale.ROOT);
    SqlDialect dialect;
    if (normalized.equals("h2")) {
      dialect = SqlDialect.H2;
    } else if (normalized.contains("postgresql")) {
      dialect = SqlDialect.POSTGRESQL;
    } else {
      throw new IllegalStateException("the database product '" + product + "' is not supported: the engine runs on"
          + " H2 and PostgreSQL; if this database speaks one of their dialects, set it with"
          + " JdbcStorage.Builder.dialect(...)");
    }
    LOG.info("Loyalty engine storage uses dialect {} (detected from database product '{}')", dialect, product);
    return dialect;
  }

  /**
   * Refuses an H2 database that can lose commits; warns about a PostgreSQL server that can.
   *
   * @throws IllegalStateException for an in-memory H2 database, or one whose WRITE_DELAY is not 0
   */
  public static void checkDurability(Connection connection, SqlDialect dialect) throws SQLException {
    if (dialect == SqlDialect.H2) {
      checkH2(connection);
    } else {
      checkPostgres(connection);
    }
  }

  private static void checkH2(Connection connection) throws SQLException {
    if (single(connection, "SELECT DATABASE_PATH()") == null) {
      throw new IllegalStateException("the H2 database is in memory: nothing it holds survives the process; use a"
          + " file database, for example JdbcStorage.h2File(path)");
    }
    List<String> writeDelays = all(connection,
        "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'");
    if (writeDelays.isEmpty()) {
      throw new IllegalStateException("the H2 setting WRITE_DELAY could not be read from INFORMATION_SCHEMA.SETTINGS;"
          + " the engine needs H2 2.x with WRITE_DELAY=0");
    }
    for (String value : writeDelays) {
      if (!"0".equals(value == null ? null : value.strip())) {
        throw new IllegalStateException("the H2 database runs with WRITE_DELAY=" + value + ": commits reported as"
            + " done can be lost when the process dies; the engine requires WRITE_DELAY=0 (add ;WRITE_DELAY=0 to"
            + " the URL of the host's DataSource)");
      }
    }
  }

  private static void checkPostgres(Connection connection) throws SQLException {
    String fsync = single(connection, "SELECT current_setting('fsync')");
    if ("off".equalsIgnoreCase(fsync)) {
      LOG.warn("PostgreSQL runs with fsync=off: a server or machine crash can lose or corrupt committed loyalty"
          + " data; turn fsync on in production");
    }
    String synchronousCommit = single(connection, "SELECT current_setting('synchronous_commit')");
    if ("off".equalsIgnoreCase(synchronousCommit)) {
      LOG.warn("PostgreSQL runs with synchronous_commit=off: the last transactions the engine reported as committed"
          + " can be lost in a server crash; turn it on for the engine's database or role in production");
    }
  }

  private static String single(Connection connection, String query) throws SQLException {
    List<String> values = all(connection, query);
    return values.isEmpty() ? null : values.get(0);
  }

  private static List<String> all(Connection connection, String query) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(query)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
