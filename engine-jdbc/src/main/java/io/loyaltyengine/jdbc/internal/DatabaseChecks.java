package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the storage checks on a live connection at start: which database it is, and whether it keeps what it
 * commits; and what it sets there (H2's reuse of query results off).
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
    SqlDialect dialect = dialectOf(product);
    if (dialect == null) {
      throw new IllegalStateException("the database product '" + product + "' is not supported: the engine runs on"
          + " H2 and PostgreSQL; if this database speaks one of their dialects, set it with"
          + " JdbcStorage.Builder.dialect(...)");
    }
    LOG.info("Loyalty engine storage uses dialect {} (detected from database product '{}')", dialect, product);
    return dialect;
  }

  /**
   * Checks a dialect set explicitly: it is for a database whose product name names no dialect, so one whose product
   * is the other dialect's is refused (its first statement of the other dialect would fail with an SQLState only).
   *
   * @throws IllegalStateException naming the setting, if the database's product is another dialect's
   */
  public static void checkDialectSet(Connection connection, SqlDialect dialect) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    SqlDialect detected = dialectOf(product);
    if (detected != null && detected != dialect) {
      throw new IllegalStateException("dialect was set to " + dialect + " but the database is " + detected
          + " (product '" + product + "'): leave dialect unset to detect it, or set " + detected);
    }
  }

  /** The dialect a database product name names, or null. */
  private static SqlDialect dialectOf(String product) {
    String normalized = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (normalized.equals("h2")) {
      return SqlDialect.H2;
    }
    return normalized.contains("postgresql") ? SqlDialect.POSTGRESQL : null;
  }

  /**
   * H2's switch that turns off the reuse of query results (OPTIMIZE_REUSE_RESULTS). H2 answers a query that a
   * session runs again from its previous result when no table it reads was written since. A write counts when it is
   * made, not when it commits, so a unit of work that reads, waits for a lock while another transaction commits a
   * write made before that read, and reads again, would get the old rows back (a conversion still CONVERTED after a
   * lost reversal, a coupon pool still empty after an upload). The setting holds for the open database, not across
   * a restart, so the storage's own pool sets it on every new connection.
   */
  public static final String H2_NO_RESULT_REUSE = "SET OPTIMIZE_REUSE_RESULTS 0";

  /** H2's error code for a statement that needs admin rights. */
  private static final int H2_ADMIN_RIGHTS_REQUIRED = 90040;

  /**
   * Prepares the database for the engine's units of work: on H2, turns off the reuse of query results (see
   * {@link #H2_NO_RESULT_REUSE}); nothing on PostgreSQL.
   *
   * @throws IllegalStateException if the H2 user lacks the admin rights the setting needs
   */
  public static void prepare(Connection connection, SqlDialect dialect) throws SQLException {
    if (dialect != SqlDialect.H2) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute(H2_NO_RESULT_REUSE);
    } catch (SQLException e) {
      if (e.getErrorCode() == H2_ADMIN_RIGHTS_REQUIRED) {
        throw new IllegalStateException("the engine must turn off H2's reuse of query results ("
            + H2_NO_RESULT_REUSE + "), which needs admin rights: connect as an admin user of the H2 database", e);
      }
      throw e;
    }
  }

  /**
   * Refuses an H2 database that can lose commits, and warns about one that an interrupted thread can close (see
   * {@link H2Urls#survivesInterrupts}); warns about a PostgreSQL server that can lose commits.
   *
   * @throws IllegalStateException for an in-memory H2 database (also one on an in-memory file system), one reached
   *     through an H2 server ({@code tcp:}, {@code ssl:}) or open with {@code AUTO_SERVER}, one whose WRITE_DELAY
   *     is not 0, one in a compatibility mode ({@code MODE} other than REGULAR), one with a collation
   *     ({@code COLLATION} other than OFF), one that ignores case ({@code IGNORECASE=TRUE}), or one that folds
   *     unquoted names to lower case ({@code DATABASE_TO_LOWER=TRUE})
   */
  public static void checkDurability(Connection connection, SqlDialect dialect) throws SQLException {
    if (dialect == SqlDialect.H2) {
      checkH2(connection);
    } else {
      checkPostgres(connection);
    }
  }

  /** The path H2 gives the database ({@code DATABASE_PATH()}); null for an in-memory one. */
  public static String h2DatabasePath(Connection connection) throws SQLException {
    return single(connection, "SELECT DATABASE_PATH()");
  }

  private static void checkH2(Connection connection) throws SQLException {
    String path = h2DatabasePath(connection);
    if (path == null) {
      throw new IllegalStateException("the H2 database is in memory: nothing it holds survives the process; use a"
          + " file database, for example JdbcStorage.h2File(path)");
    }
    String fileSystem = H2Urls.inMemoryFileSystem(path);
    if (fileSystem != null) {
      throw new IllegalStateException("the H2 database is in memory, on H2's in-memory file system " + fileSystem
          + ": nothing it holds survives the process; use a file database, for example JdbcStorage.h2File(path)");
    }
    // A host DataSource's URL is not seen otherwise. H2 gives it without its settings, so AUTO_SERVER is found by
    // the lock file H2 keeps for it.
    String url = connection.getMetaData().getURL();
    if (url != null && H2Urls.namesServer(url)) {
      throw servedToOtherProcesses("reached through a server (tcp: or ssl:)", "");
    }
    if (H2LockFile.namesLiveServer(path)) {
      throw servedToOtherProcesses("open with AUTO_SERVER", " without AUTO_SERVER");
    }
    // The schema and the SQL are written for H2's regular mode, whose constraints mean what PostgreSQL's do; in a
    // compatibility mode they may not (MSSQLServer and Oracle take NULLs as equal in a unique constraint, so keys
    // without a value would collide; Oracle stores '' as NULL).
    String mode = setting(connection, "MODE", "REGULAR");
    if (mode != null) {
      throw new IllegalStateException("the H2 database runs in compatibility mode MODE=" + mode + ", in which its"
          + " constraints do not mean what the engine's schema declares (in some modes unique keys take NULLs as"
          + " equal); the engine requires H2's regular mode (remove MODE from the URL of the database)");
    }
    // A collation makes every text comparison, keys included, follow it (ENGLISH STRENGTH PRIMARY: "alice" equals
    // "Alice" and "Alicé"), where the engine compares exactly: a customer id would find another's mapping, coupon
    // codes and idempotency keys collide. H2 lists the setting only while one is set (OFF is the default).
    String collation = setting(connection, "COLLATION", "OFF");
    if (collation != null) {
      throw new IllegalStateException("the H2 database has COLLATION " + collation + ", by which it compares"
          + " text, also in unique keys; the engine compares text exactly (customer ids, codes, idempotency keys):"
          + " use a database without a collation (H2's default, COLLATION OFF)");
    }
    // IGNORECASE makes every text column made afterwards compare without case (VARCHAR_IGNORECASE): the columns of
    // the schema's next migrations would, and customer ids, codes and keys differing in case collide there. H2
    // lists it as 0 or 1.
    if (setting(connection, "IGNORECASE", "0", "FALSE") != null) {
      throw new IllegalStateException("the H2 database has IGNORECASE set, by which the text columns it"
          + " makes compare without case, also in unique keys; the engine compares text exactly (customer ids,"
          + " codes, idempotency keys): remove IGNORECASE from the URL of the database");
    }
    // DATABASE_TO_LOWER folds unquoted names to lower case, where the scripts name H2's own upper-case columns
    // unquoted (SYSTEM_RANGE's X in V8): a new database failed half-way through its migrations, its first versions
    // applied under lower-case names. H2 lists it as true or false.
    if (setting(connection, "DATABASE_TO_LOWER", "FALSE") != null) {
      throw new IllegalStateException("the H2 database has DATABASE_TO_LOWER set, by which it folds unquoted names"
          + " to lower case; the engine's schema scripts are written for H2's default folding (to upper case):"
          + " remove DATABASE_TO_LOWER from the URL of the database");
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
            + " the database's URL, the builder's or the host DataSource's, and remove any INIT statement or other"
            + " connection that raises it)");
      }
    }
    if (!H2Urls.survivesInterrupts(path)) {
      LOG.warn("The H2 database is on a file system that the JDK closes when an interrupted thread reads or writes"
          + " it: a host thread interrupted while an engine call on it runs (Future.cancel(true)) can make H2 close"
          + " the database under every connection. Open it on H2's retry: file system (jdbc:h2:retry:<path>, as"
          + " JdbcStorage.h2File does)");
    }
  }

  /** The refusal of an H2 database that other processes can write, as {@code how} lets them. */
  private static IllegalStateException servedToOtherProcesses(String how, String openItHow) {
    return new IllegalStateException("the H2 database is " + how + ", which lets other processes write it: their"
        + " transactions do not take turns with this process's, and H2 can then lose a committed change (README,"
        + " Storage); open the file from one process" + openItHow + ", or use PostgreSQL for several processes");
  }

  /**
   * Whether a transaction on this connection can begin with {@code setTransaction}: not when the driver sends a
   * statement of its own first (pgjdbc's {@code autosave=always} sends a savepoint), after which PostgreSQL refuses
   * it (SQLState 25001). Tried in a transaction rolled back at once; the connection's auto-commit is set back.
   *
   * @throws SQLException if the database fails otherwise
   */
  public static boolean canSetTransactionFirst(Connection connection, String setTransaction) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    if (!autoCommit) {
      connection.rollback();
    }
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute(setTransaction);
      return true;
    } catch (SQLException e) {
      if (!"25001".equals(e.getSQLState())) {
        throw e;
      }
      return false;
    } finally {
      connection.rollback();
      connection.setAutoCommit(autoCommit);
    }
  }

  /**
   * Whether the database stores every Unicode character: H2 always; PostgreSQL when its encoding is UTF8, or
   * SQL_ASCII (which stores the bytes it gets). A database in another encoding (LATIN1, WIN1253) refuses a statement
   * whose text it cannot convert, so the engine sends it no text that only such characters make up.
   */
  public static boolean storesEveryCharacter(Connection connection, SqlDialect dialect) throws SQLException {
    if (dialect != SqlDialect.POSTGRESQL) {
      return true;
    }
    String encoding = single(connection, "SELECT current_setting('server_encoding')");
    return "UTF8".equalsIgnoreCase(encoding) || "SQL_ASCII".equalsIgnoreCase(encoding);
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

  /**
   * The value of H2's setting {@code name} if it is set to none of {@code accepted} (compared without case and
   * surrounding spaces); null if it is not listed, or is accepted.
   */
  private static String setting(Connection connection, String name, String... accepted) throws SQLException {
    for (String value : all(connection,
        "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = '" + name + "'")) {
      if (value != null && Arrays.stream(accepted).noneMatch(a -> a.equalsIgnoreCase(value.strip()))) {
        return value;
      }
    }
    return null;
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
