package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.jdbc.SqlDialect;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database's schema to the version this engine ships, or checks that it is there.
 *
 * <h2>Scripts and history</h2>
 * The scripts live on the class path under {@code <location>/<dialect>/}, listed in order in
 * {@code migrations.txt} there (a jar cannot be listed), each named {@code V<version>__<description>.sql} and run
 * whole with one {@link Statement#execute} (both databases accept several statements in one call; the migrator
 * never splits on {@code ;}). Each applied version is recorded in {@code loyalty_schema_history} with the script's
 * checksum. The database is refused when it holds a version this engine does not know (it is newer: upgrade the
 * engine), when an applied script differs from the shipped one, or when applied versions have a gap. A script whose
 * text had to change after it shipped (only where it does the same work, a comment that broke it in some databases)
 * names its former checksums in {@code former-checksums.txt} beside the list (optional; one
 * {@code <version> <sha-256 hex>} a line): a database that applied the former text is accepted as having applied it.
 * An H2 database whose history is there under a name in another case than the connection's unquoted names reach
 * (made with another {@code DATABASE_TO_UPPER}) is refused rather than given a second schema.
 *
 * <h2>Concurrency</h2>
 * Two instances never migrate at once. On PostgreSQL a session advisory lock is held on a dedicated connection
 * while the history is read and the missing versions are applied (an instance waits for it however long another's
 * migration takes, whatever {@code lock_timeout} the database or role sets); DDL is transactional there, so each
 * version runs in its own transaction together with its history row and is applied entirely or not at all. H2 runs
 * in one process per database file, so a lock in this JVM keyed by the database file suffices; H2 commits every DDL
 * statement on its own, so a version's script is written to be re-runnable ({@code IF NOT EXISTS}) and its history
 * row is written after it: a run that dies half-way is completed by the next.
 *
 * <p>Thread-safe: each call works on its own connection.
 */
public final class SchemaMigrator {
  /** Where the engine's own scripts are, below which each dialect has its directory. */
  public static final String DEFAULT_LOCATION = "io/loyaltyengine/jdbc/schema";

  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
  private static final Pattern SCRIPT_NAME = Pattern.compile("V([1-9][0-9]{0,8})__([A-Za-z0-9_]+)\\.sql");
  private static final Pattern FORMER_CHECKSUM = Pattern.compile("([1-9][0-9]{0,8}) +([0-9a-f]{64})");
  /** The PostgreSQL advisory lock of schema migrations: "loyaltyS" in ASCII, unlikely to be used by anything else. */
  private static final long POSTGRES_LOCK_KEY = 0x6C6F79616C747953L;
  /** One lock per H2 database file in this JVM; a handful per JVM, kept for good (as H2TransactionGate's gates). */
  private static final ConcurrentMap<String, ReentrantLock> H2_LOCKS = new ConcurrentHashMap<>();

  private final DataSource dataSource;
  private final Sql sql;
  private final String directory;
  private final List<Migration> migrations;

  /** A migrator with the engine's own scripts. */
  public SchemaMigrator(DataSource dataSource, Sql sql) {
    this(dataSource, sql, DEFAULT_LOCATION, SchemaMigrator.class.getClassLoader());
  }

  /**
   * A migrator with the scripts under {@code location} of {@code loader}.
   *
   * @throws IllegalStateException if the script list or a script is missing or malformed
   */
  public SchemaMigrator(DataSource dataSource, Sql sql, String location, ClassLoader loader) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.sql = Objects.requireNonNull(sql, "sql");
    this.directory = Objects.requireNonNull(location, "location") + "/" + sql.dialect().scriptDirectory() + "/";
    this.migrations = load(directory, Objects.requireNonNull(loader, "loader"));
  }

  /** The versions this migrator knows, oldest first. */
  public List<Migration> migrations() {
    return migrations;
  }

  /** The newest version this migrator knows. */
  public int latestVersion() {
    return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
  }

  /**
   * Applies the missing versions, under the migration lock.
   *
   * @return the versions applied now (empty when the schema was up to date)
   * @throws IllegalStateException if the database's schema is newer, differs, or has gaps
   * @throws StorageException if the database failed; when a version failed, that failure, with any failure of
   *     the cleanup after it (rolling back, releasing the lock, restoring auto-commit) suppressed in it, each as a
   *     redacted copy (no driver message)
   */
  public List<Migration> migrate() {
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      try (Cleanup restore = () -> connection.setAutoCommit(autoCommit)) {
        connection.setAutoCommit(true);
        return sql.dialect() == SqlDialect.POSTGRESQL ? migratePostgres(connection) : migrateH2(connection);
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("schema migration", e);
    }
  }

  /**
   * Checks that every version is applied, changing nothing.
   *
   * @throws IllegalStateException listing the missing versions, or if the schema is newer, differs, or has gaps
   * @throws StorageException if the database failed
   */
  public void validate() {
    try (Connection connection = dataSource.getConnection()) {
      if (sql.dialect() == SqlDialect.H2) {
        requireH2HistoryReachable(connection);
      }
      List<Migration> missing = pending(historyExists(connection) ? applied(connection) : Map.of());
      if (!missing.isEmpty()) {
        throw new IllegalStateException("the database schema is missing version(s) "
            + missing.stream().map(m -> m + " [" + m.resource() + "]").collect(Collectors.joining(", "))
            + "; schema mode VALIDATE changes nothing: apply them with SchemaMode.MIGRATE (for example in a"
            + " deployment step, as a user allowed to run DDL), or run these scripts from the engine-jdbc jar with"
            + " your own tool and record each in loyalty_schema_history");
      }
      LOG.info("Loyalty engine schema is at version {}", latestVersion());
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("schema validation", e);
    }
  }

  private List<Migration> migratePostgres(Connection connection) throws SQLException {
    lockPostgres(connection);
    try (Cleanup unlock = () -> execute(connection, "SELECT pg_advisory_unlock(" + POSTGRES_LOCK_KEY + ")")) {
      createHistoryIfAbsent(connection);
      List<Migration> missing = pending(applied(connection));
      refuseTablesOfOthers(connection, missing);
      for (Migration migration : missing) {
        connection.setAutoCommit(false);
        // Auto-commit back on after the rollback, never before: turning it on commits an open transaction.
        try (Cleanup autoCommit = () -> connection.setAutoCommit(true)) {
          try {
            run(connection, migration);
            connection.commit();
          } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection, e);
            throw e;
          }
        }
      }
      report(missing);
      return missing;
    }
  }

  /**
   * Takes the migration lock, waiting for another instance's migration to end however long it takes: the wait is a
   * lock wait, which a {@code lock_timeout} the database or role sets (DBAs set one low for the application) would
   * end with 55P03 while that migration runs, failing the start. The lock is the session's, so it outlives the
   * transaction in which {@code SET LOCAL} lifts the timeout for this one wait.
   */
  private static void lockPostgres(Connection connection) throws SQLException {
    connection.setAutoCommit(false);
    // Auto-commit back on after the rollback, never before: turning it on commits an open transaction.
    try (Cleanup autoCommit = () -> connection.setAutoCommit(true)) {
      try {
        execute(connection, "SET LOCAL lock_timeout = 0");
        execute(connection, "SELECT pg_advisory_lock(" + POSTGRES_LOCK_KEY + ")");
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(connection, e);
        throw e;
      }
    }
  }

  /**
   * What must run after a step whether it failed or not, as a resource rather than a {@code finally}: when the step
   * failed, a failure of the cleanup (on a connection that is lost, likely) is added to the step's as suppressed
   * instead of replacing it, so the error thrown is the one that says what went wrong. The failure is a
   * {@linkplain SqlErrors#redacted redacted} copy, as the step's own cause is: a driver's message may quote values.
   */
  @FunctionalInterface
  private interface Cleanup extends AutoCloseable {
    /** The cleanup itself. */
    void run() throws SQLException;

    @Override
    default void close() throws SQLException {
      try {
        run();
      } catch (SQLException e) {
        throw (SQLException) SqlErrors.redacted(e);
      }
    }
  }

  private List<Migration> migrateH2(Connection connection) throws SQLException {
    ReentrantLock lock = H2_LOCKS.computeIfAbsent(h2LockKey(connection), key -> new ReentrantLock());
    lock.lock();
    try {
      requireH2HistoryReachable(connection);
      createHistoryIfAbsent(connection);
      List<Migration> missing = pending(applied(connection));
      refuseTablesOfOthers(connection, missing);
      for (Migration migration : missing) {
        run(connection, migration);
      }
      report(missing);
      return missing;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Creates the schema history unless it is there, under the migration lock (no other instance makes it meanwhile):
   * a role that may not create tables, whose schema a deployment step migrated, then has nothing to create and
   * starts in MIGRATE too.
   */
  private void createHistoryIfAbsent(Connection connection) throws SQLException {
    if (!historyExists(connection)) {
      execute(connection, sql.historyCreate());
    }
  }

  /** A table a script creates, in group 1 (comments removed first), up to the parenthesis opening its columns. */
  private static final Pattern CREATED_TABLE =
      Pattern.compile("(?i)\\bCREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
  /** The first words of a table's element that is a constraint, not a column. */
  private static final Set<String> CONSTRAINT_WORDS = Set.of("constraint", "primary", "unique", "foreign", "check");

  /**
   * Refuses, before any of them runs, the versions in {@code missing} that would create a table the schema already
   * holds without the columns the version gives it: it is another application's (a host's own {@code tenant}, say).
   * On H2, whose scripts create tables only if they do not exist, it would be taken for the engine's (altered,
   * written, read); on PostgreSQL the version would fail naming nothing. A table a run of the version that died
   * made (on H2, whose scripts are not transactional, or whose history was lost) has those columns, later versions
   * only adding columns, and is left to the version to complete.
   */
  private static void refuseTablesOfOthers(Connection connection, List<Migration> missing) throws SQLException {
    if (missing.isEmpty()) {
      return;
    }
    Map<String, Set<String>> existing = new TreeMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS"
            + " WHERE TABLE_SCHEMA = CURRENT_SCHEMA")) {
      while (rs.next()) {
        existing.computeIfAbsent(rs.getString(1).toLowerCase(Locale.ROOT), t -> new TreeSet<>())
            .add(rs.getString(2).toLowerCase(Locale.ROOT));
      }
    }
    List<String> clashes = new ArrayList<>();
    for (Migration migration : missing) {
      String script = migration.script().replaceAll("--[^\n]*", "");
      Matcher created = CREATED_TABLE.matcher(script);
      while (created.find()) {
        Set<String> columns = existing.get(created.group(1).toLowerCase(Locale.ROOT));
        if (columns != null && !columns.containsAll(declaredColumns(script, created.end()))) {
          clashes.add(created.group(1) + " (version " + migration.version() + ")");
        }
      }
    }
    if (!clashes.isEmpty()) {
      throw new IllegalStateException("the database schema the engine migrates already holds table(s) "
          + String.join(", ", clashes) + ", which its schema versions not yet applied create, without the columns"
          + " they give them: they are another application's; give the engine a schema of its own (H2: ;SCHEMA=<name>"
          + " in the URL, the schema created first; PostgreSQL: currentSchema=<name> or the role's search_path), or"
          + " another database");
    }
  }

  /** The columns (lower case) of the table whose column list opens just before {@code from} in {@code script}. */
  private static Set<String> declaredColumns(String script, int from) {
    Set<String> columns = new TreeSet<>();
    int depth = 0;
    int start = from;
    for (int i = from; i < script.length() && depth >= 0; i++) {
      char c = script.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && depth > 0) {
        depth--;
      } else if (c == ',' && depth == 0 || c == ')') {
        String[] words = script.substring(start, i).strip().split("\\s+", 2);
        String first = words[0].toLowerCase(Locale.ROOT);
        if (!first.isEmpty() && !CONSTRAINT_WORDS.contains(first)) {
          columns.add(first);
        }
        start = i + 1;
        if (c == ')') {
          depth = -1;
        }
      }
    }
    return columns;
  }

  /** H2's vendor codes of a table not found: plain, with candidates, and in a database without tables. */
  private static final Set<Integer> H2_TABLE_NOT_FOUND = Set.of(42102, 42103, 42104);

  /**
   * Refuses an H2 database whose schema history this connection's unquoted names do not reach while it is there
   * under another case of its name: its tables were made under another folding of names
   * ({@code DATABASE_TO_UPPER=FALSE} then, and not now, or the reverse), and none of the engine's statements would
   * reach them. Left alone, the history would be made again under the name they reach, and every version applied
   * beside the old tables: the engine would start on an empty database.
   */
  private static void requireH2HistoryReachable(Connection connection) throws SQLException {
    if (h2TableReachable(connection, "loyalty_schema_history")) {
      return;
    }
    // Quoted names are exact whatever the folding; an unquoted one reaches either when names are folded so.
    if (h2TableReachable(connection, "\"LOYALTY_SCHEMA_HISTORY\"")
        || h2TableReachable(connection, "\"loyalty_schema_history\"")) {
      throw new IllegalStateException("the H2 database holds the engine's tables under names in another case than"
          + " this connection folds unquoted names to: they were made with another DATABASE_TO_UPPER setting;"
          + " open the database with the settings it was made with");
    }
  }

  /** Whether {@code name} (as written in SQL) names a table this connection reaches. */
  private static boolean h2TableReachable(Connection connection, String name) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + name + " WHERE 1 = 0")) {
      return rs.next();
    } catch (SQLException e) {
      if (H2_TABLE_NOT_FOUND.contains(e.getErrorCode())) {
        return false;
      }
      throw e;
    }
  }

  /** The database file, which several URLs (relative, absolute, with other settings) may name. */
  private static String h2LockKey(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT DATABASE_PATH()")) {
      String path = rs.next() ? rs.getString(1) : null;
      return path != null ? path : connection.getMetaData().getURL();
    }
  }

  private void run(Connection connection, Migration migration) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(migration.script());
    } catch (SQLException e) {
      throw new StorageException("applying schema version " + migration + " failed" + SqlErrors.describe(e),
          SqlErrors.redacted(e));
    }
    try (PreparedStatement insert = connection.prepareStatement(Sql.HISTORY_INSERT)) {
      insert.setInt(1, migration.version());
      insert.setString(2, migration.description());
      insert.setString(3, migration.checksum());
      insert.setObject(4, OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS));
      insert.executeUpdate();
    }
  }

  private void report(List<Migration> applied) {
    if (applied.isEmpty()) {
      LOG.info("Loyalty engine schema is up to date at version {}", latestVersion());
    } else {
      LOG.info("Loyalty engine schema migrated to version {}: applied {}", latestVersion(), applied);
    }
  }

  private boolean historyExists(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(Sql.HISTORY_TABLE_EXISTS)) {
      return rs.next() && rs.getLong(1) > 0;
    }
  }

  private record Applied(int version, String description, String checksum) {
  }

  private static Map<Integer, Applied> applied(Connection connection) throws SQLException {
    Map<Integer, Applied> applied = new TreeMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(Sql.HISTORY_SELECT)) {
      while (rs.next()) {
        applied.put(rs.getInt(1), new Applied(rs.getInt(1), rs.getString(2), rs.getString(3)));
      }
    }
    return applied;
  }

  /** The versions to apply, after checking that what is applied is a prefix of what this engine ships. */
  private List<Migration> pending(Map<Integer, Applied> applied) {
    int newest = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
    if (newest > latestVersion()) {
      throw new IllegalStateException("database schema version " + newest
          + " is newer than this engine supports (" + latestVersion() + "); upgrade the engine");
    }
    List<Migration> missing = new ArrayList<>();
    for (Migration migration : migrations) {
      Applied row = applied.get(migration.version());
      if (row == null) {
        if (migration.version() < newest) {
          throw new IllegalStateException("database schema version " + migration + " is missing although version "
              + newest + " is applied; the schema history was changed outside the engine");
        }
        missing.add(migration);
      } else if (!migration.checksum().equalsIgnoreCase(row.checksum())
          && !migration.formerChecksums().contains(row.checksum().toLowerCase(Locale.ROOT))) {
        throw new IllegalStateException("database schema version " + migration + " was applied from a script that"
            + " differs from this engine's " + migration.resource() + " (checksum mismatch); the schema was"
            + " changed outside the engine or by a different build of it");
      }
    }
    return missing;
  }

  private static void execute(Connection connection, String statementText) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(statementText);
    }
  }

  private static void rollbackQuietly(Connection connection, Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(SqlErrors.redacted(e));
    }
  }

  private static List<Migration> load(String directory, ClassLoader loader) {
    String index = read(loader, directory + "migrations.txt");
    Map<Integer, Set<String>> former = formerChecksums(directory, loader);
    List<Migration> result = new ArrayList<>();
    for (String line : index.split("\n")) {
      String name = line.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      Matcher matcher = SCRIPT_NAME.matcher(name);
      if (!matcher.matches()) {
        throw new IllegalStateException("schema script name " + name + " in " + directory
            + "migrations.txt is not V<version>__<description>.sql");
      }
      int version = Integer.parseInt(matcher.group(1));
      if (version != result.size() + 1) {
        throw new IllegalStateException("schema scripts in " + directory + "migrations.txt must be versions 1, 2,"
            + " 3, ... in order, but " + name + " follows version " + result.size());
      }
      String resource = directory + name;
      String script = read(loader, resource);
      result.add(new Migration(version, matcher.group(2).replace('_', ' '), resource, script, checksum(script),
          former.getOrDefault(version, Set.of())));
    }
    for (int version : former.keySet()) {
      if (version > result.size()) {
        throw new IllegalStateException(directory + "former-checksums.txt names version " + version
            + ", which " + directory + "migrations.txt does not list");
      }
    }
    return List.copyOf(result);
  }

  /** The former checksums of each version, from the optional {@code former-checksums.txt}. */
  private static Map<Integer, Set<String>> formerChecksums(String directory, ClassLoader loader) {
    String resource = directory + "former-checksums.txt";
    Map<Integer, Set<String>> result = new TreeMap<>();
    String list = readIfPresent(loader, resource);
    if (list != null) {
      for (String line : list.split("\n")) {
        String entry = line.strip();
        if (entry.isEmpty() || entry.startsWith("#")) {
          continue;
        }
        Matcher matcher = FORMER_CHECKSUM.matcher(entry);
        if (!matcher.matches()) {
          throw new IllegalStateException("line " + entry + " in " + resource
              + " is not <version> <sha-256 in lower-case hex>");
        }
        result.computeIfAbsent(Integer.parseInt(matcher.group(1)), v -> new TreeSet<>()).add(matcher.group(2));
      }
    }
    result.replaceAll((version, checksums) -> Set.copyOf(checksums));
    return result;
  }

  private static String read(ClassLoader loader, String resource) {
    String text = readIfPresent(loader, resource);
    if (text == null) {
      throw new IllegalStateException("schema resource " + resource + " is missing from the class path");
    }
    return text;
  }

  /** The resource's text (UTF-8), or null if the class path has none. */
  private static String readIfPresent(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("schema resource " + resource + " could not be read", e);
    }
  }

  /** SHA-256 of the script; line ends normalized so that a checkout with CRLF does not count as a change. */
  static String checksum(String script) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] hash = digest.digest(script.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
