package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.jdbc.internal.Secrets;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The builder's validation, the durability rules for H2, and what the storage logs at start. */
class JdbcStorageConfigTest {
  private final Path directory = TestFiles.newDirectory("loyalty-config-");

  @AfterEach
  void deleteFiles() {
    TestFiles.delete(directory);
  }

  private String fileUrl(String name) {
    return "jdbc:h2:file:" + directory.resolve(name);
  }

  @Test
  void eachSettingIsValidatedWhenSetAndNamedInTheError() {
    assertEquals("url", assertThrows(NullPointerException.class, () -> JdbcStorage.builder().url(null))
        .getMessage());
    assertEquals("url must start with jdbc:", assertThrows(IllegalArgumentException.class,
        () -> JdbcStorage.builder().url("postgres://db/shop")).getMessage());
    assertEquals("maximumPoolSize must be between 1 and 1000 but was 0",
        assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().maximumPoolSize(0)).getMessage());
    assertEquals("maximumPoolSize must be between 1 and 1000 but was 1001",
        assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().maximumPoolSize(1001))
            .getMessage());
    assertEquals("maximumPoolSize was already set to 5", assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().maximumPoolSize(5).maximumPoolSize(6)).getMessage());
    assertEquals("url was already set", assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(fileUrl("a")).url(fileUrl("b"))).getMessage());
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().url(fileUrl("a"))
        .dataSource(new JdbcDataSource())).getMessage().startsWith("dataSource cannot be combined with url"));
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder()
        .dataSource(new JdbcDataSource()).url(fileUrl("a"))).getMessage().startsWith("url cannot be combined"));
    assertThrows(NullPointerException.class, () -> JdbcStorage.builder().credentials("sa", null));
    assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().credentials("a", "b").credentials("a", "b"));
    assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().autoCommit(true).autoCommit(false));
    assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().schemaMode(SchemaMode.MIGRATE).schemaMode(SchemaMode.VALIDATE));
    assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dialect(SqlDialect.H2).dialect(SqlDialect.H2));
    assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().h2File(Path.of("bad;name")));
  }

  @Test
  void buildChecksSettingsThatDependOnEachOther() {
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().build()).getMessage()
        .startsWith("url or dataSource must be set"));
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().dataSource(new JdbcDataSource())
        .credentials("sa", "pw").build()).getMessage().startsWith("credentials applies to the pool"));
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().dataSource(new JdbcDataSource())
        .maximumPoolSize(3).build()).getMessage().startsWith("maximumPoolSize applies to the pool"));
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().dataSource(new JdbcDataSource())
        .autoCommit(false).build()).getMessage().startsWith("autoCommit applies to the pool"));
  }

  /**
   * A dialect set explicitly is for a database whose product name the storage does not know; one whose product is the
   * other dialect's is refused at start, naming the setting, where it failed in the other dialect's first statement
   * with an SQLState only. The pool is closed: the file opens again at once.
   */
  @Test
  void aDialectSetForAnotherDatabaseIsRefusedAtStartNamingTheSetting() {
    Path file = directory.resolve("dialect");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().h2File(file).dialect(SqlDialect.POSTGRESQL).build());
    assertEquals("dialect was set to POSTGRESQL but the database is H2 (product 'H2'): leave dialect unset to"
        + " detect it, or set H2", e.getMessage());
    try (JdbcStorage storage = JdbcStorage.builder().h2File(file).dialect(SqlDialect.H2).build()) {
      assertEquals(SqlDialect.H2, storage.dialect());
    }
  }

  @Test
  void anH2UrlWithAWriteDelayIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JdbcStorage.builder().url(fileUrl("delayed") + ";WRITE_DELAY=500"));
    assertTrue(e.getMessage().contains("WRITE_DELAY=500"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url(fileUrl("x") + ";write_delay=1"));
    assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url(fileUrl("x") + ";WRITE_DELAY="));
    JdbcStorage.builder().url(fileUrl("x") + ";write_delay=0;LOCK_TIMEOUT=5000");
  }

  /**
   * H2 reads a backslash as escaping the next character of a setting, so {@code \;} belongs to the value: a password
   * may hold {@code ;WRITE_DELAY=5} (not a setting) or {@code ;WRITE_DELAY=0} (not one either, so the write delay
   * still needs setting), and one ending in a backslash must keep it from escaping the semicolon the engine appends.
   * The engine's start checks the database's own write delay, which only H2's reading passes.
   */
  @Test
  void aSemicolonEscapedInAnH2SettingIsPartOfItsValue() {
    List<String> passwords = List.of("a\\;WRITE_DELAY=5", "a\\;WRITE_DELAY=0", "a\\\\b", "ends\\", "ends\\\\");
    for (int i = 0; i < passwords.size(); i++) {
      String url = fileUrl("escaped-" + i) + ";USER=sa;PASSWORD=" + passwords.get(i);
      try (JdbcStorage storage = JdbcStorage.builder().url(url).build()) {
        assertEquals(SqlDialect.H2, storage.dialect(), passwords.get(i));
      }
    }
    assertThrows(IllegalArgumentException.class,
        () -> JdbcStorage.builder().url(fileUrl("x") + ";PASSWORD=a\\\\;WRITE_DELAY=5"));
  }

  @Test
  void anInMemoryH2DatabaseIsRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url("jdbc:h2:mem:loyalty"))
        .getMessage().contains("in-memory"));
    assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url("JDBC:H2:MEM:"));
    assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url("jdbc:h2:tcp://localhost/mem:x"));
    // H2 also opens an unnamed in-memory database for the name ".", and takes a server without "//".
    for (String url : List.of("jdbc:h2:.", "jdbc:h2:.;WRITE_DELAY=0", "jdbc:h2:tcp:localhost/mem:x",
        "jdbc:h2:ssl:localhost:9092/mem:x", "jdbc:h2:tcp://localhost/.", "jdbc:h2:tcp:localhost/memFS:/x")) {
      assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url(url), url);
    }
    JdbcStorage.builder().url("jdbc:h2:./loyalty");
  }

  /**
   * An H2 server lets other processes write the database, whose transactions do not take turns with this process's:
   * H2's lost-update defect could then undo a committed change. Refused, without repeating the URL.
   */
  @Test
  void anH2DatabaseReachedThroughAServerIsRefused() {
    for (String url : List.of("jdbc:h2:tcp://localhost/~/loyalty", "jdbc:h2:tcp:localhost/~/loyalty",
        "jdbc:h2:ssl://localhost:9092/~/loyalty;PASSWORD=secret", "JDBC:H2:TCP://localhost/./loyalty",
        "jdbc:h2:Ssl:localhost/~/loyalty")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url(url),
          url);
      assertTrue(e.getMessage().contains("through a server"), e.getMessage());
      assertFalse(e.getMessage().contains("secret") || e.getMessage().contains("localhost"), e.getMessage());
    }
    for (String url : List.of("jdbc:h2:./loyalty;AUTO_SERVER=TRUE",
        "jdbc:h2:./loyalty;auto_server=true;PASSWORD=secret", "jdbc:h2:./loyalty;WRITE_DELAY=0; AUTO_SERVER = 1",
        "jdbc:h2:./loyalty;AUTO_SERVER=yes", "jdbc:h2:./loyalty;AUTO_SERVER")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url(url),
          url);
      assertTrue(e.getMessage().contains("AUTO_SERVER"), e.getMessage());
      assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }
    JdbcStorage.builder().url("jdbc:h2:./loyalty;AUTO_SERVER=FALSE");
    JdbcStorage.builder().url("jdbc:h2:./loyalty;auto_server=off");
  }

  /**
   * H2's in-memory file systems keep the database in the JVM's memory as {@code mem:} does, also behind H2's
   * file-system wrappers and on a server; a wrapper around a file on disk is durable.
   */
  @Test
  void anH2UrlOnAnInMemoryFileSystemIsRefused() {
    for (String url : List.of("jdbc:h2:memFS:/loyalty", "jdbc:h2:memLZF:loyalty;WRITE_DELAY=0",
        "jdbc:h2:nioMemFS:/loyalty", "jdbc:h2:nioMemLZF:/loyalty", "JDBC:H2:MEMFS:/loyalty", "jdbc:h2:NioMemLzf:x",
        "jdbc:h2:split:memFS:/loyalty", "jdbc:h2:split:26:nioMemLZF:/loyalty", "jdbc:h2:async:memLZF:/loyalty",
        "jdbc:h2:nioMapped:nioMemFS:/loyalty", "jdbc:h2:retry:rec:memFS:/loyalty",
        "jdbc:h2:encrypt:secret:memFS:/loyalty", "jdbc:h2:tcp://localhost:9092/split:memFS:/loyalty",
        "jdbc:h2:cache:memFS:/loyalty", "jdbc:h2:file:memFS:/loyalty")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JdbcStorage.builder().url(url),
          url);
      assertTrue(e.getMessage().contains("in-memory file system"), e.getMessage());
      assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }
    JdbcStorage.builder().url("jdbc:h2:split:" + directory.resolve("split"));
    JdbcStorage.builder().url("jdbc:h2:async:nioMapped:" + directory.resolve("mapped"));
    JdbcStorage.builder().url(fileUrl("memFS"));
  }

  /**
   * A URL whose write delay the builder's reading of it cannot see (one an {@code INIT} statement sets, or a setting
   * written with a space before its name, which H2 ignores under {@code IGNORE_UNKNOWN_SETTINGS}, keeping its default
   * of 500 ms) passes {@code url()}, but the database is checked again at start, as documented: the build is refused,
   * naming the setting, and the pool it made is closed with the database file.
   */
  @Test
  void aWriteDelayTheUrlsReadingCannotSeeIsRefusedAtStart() throws Exception {
    List<String> settings = List.of(";INIT=SET WRITE_DELAY 500", ";IGNORE_UNKNOWN_SETTINGS=TRUE; WRITE_DELAY=0");
    for (int i = 0; i < settings.size(); i++) {
      Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
      String url = fileUrl("hidden-delay-" + i);
      JdbcStorage.Builder builder = JdbcStorage.builder().url(url + settings.get(i));
      IllegalStateException e = assertThrows(IllegalStateException.class, builder::build, settings.get(i));
      assertTrue(e.getMessage().contains("WRITE_DELAY=500"), e.getMessage());
      assertEquals(List.of(), PoolThreads.leftSince(before), "the pool's threads ended");
      // Opened again under another file system: H2 would refuse it while the refused build's pool held it.
      try (Connection again = DriverManager.getConnection("jdbc:h2:nio:" + directory.resolve("hidden-delay-" + i))) {
        assertFalse(again.isClosed());
      }
    }
  }

  @Test
  void anH2UrlWithoutAWriteDelayGetsZero() throws SQLException {
    String url = fileUrl("undelayed");
    try (JdbcStorage storage = JdbcStorage.builder().url(url).build();
        Connection connection = DriverManager.getConnection(url)) {
      assertEquals(SqlDialect.H2, storage.dialect());
      assertEquals("0", writeDelay(connection));
    }
  }

  private static String writeDelay(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(
        "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
      assertTrue(rs.next());
      return rs.getString(1);
    }
  }

  /**
   * An H2 database in a compatibility mode is refused at start, by URL or host DataSource: the schema and the SQL are
   * written for H2's regular mode, whose constraints mean what PostgreSQL's do. In MSSQLServer and Oracle modes a
   * unique constraint takes NULLs as equal, so the keys the schema declares with "NULL keys are distinct: entries
   * without a key never collide" (V1, V3) make a second ledger entry, action or redemption without an idempotency key,
   * or a second free coupon code, collide (Oracle mode also stores '' as NULL, refused by NOT NULL columns).
   */
  @Test
  void anH2DatabaseInACompatibilityModeIsRefusedAtStart() {
    for (String mode : List.of("MSSQLServer", "Oracle")) {
      String url = fileUrl("mode-" + mode) + ";MODE=" + mode;
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().url(url).build().close(), mode);
      assertTrue(e.getMessage().contains("MODE"), e.getMessage());
      JdbcDataSource host = new JdbcDataSource();
      host.setURL(url + ";WRITE_DELAY=0");
      assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().dataSource(host).build().close(), mode);
    }
  }

  /**
   * An H2 database given a collation ({@code SET COLLATION}, possible only while it has no tables, so a host's own
   * database made so) is refused at start, by URL or host DataSource: text would compare by the collation, in keys
   * and lookups alike, not exactly as the schema and the ports declare. With {@code ENGLISH STRENGTH PRIMARY} a
   * customer id "alice" found the mapping of "Alice" (single sign-on recognised the one customer as the other's
   * participant), and coupon codes and idempotency keys differing in case or accents collided. A database whose
   * collation was set back to OFF is H2's default and is accepted.
   */
  @Test
  void anH2DatabaseWithACollationIsRefusedAtStart() throws SQLException {
    String url = fileUrl("collation") + ";WRITE_DELAY=0";
    try (Connection create = DriverManager.getConnection(url); Statement statement = create.createStatement()) {
      statement.execute("SET COLLATION ENGLISH STRENGTH PRIMARY");
    }
    IllegalStateException byUrl = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(url).build().close());
    assertTrue(byUrl.getMessage().contains("COLLATION"), byUrl.getMessage());
    JdbcDataSource host = new JdbcDataSource();
    host.setURL(url);
    IllegalStateException byDataSource = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(host).build().close());
    assertTrue(byDataSource.getMessage().contains("COLLATION"), byDataSource.getMessage());

    String off = fileUrl("collation-off") + ";WRITE_DELAY=0";
    try (Connection create = DriverManager.getConnection(off); Statement statement = create.createStatement()) {
      statement.execute("SET COLLATION ENGLISH");
      statement.execute("SET COLLATION OFF");
    }
    JdbcStorage.builder().url(off).build().close();
  }

  /**
   * An H2 database that ignores case ({@code IGNORECASE=TRUE}, in the URL or set on the database) is refused at start,
   * by URL or host DataSource, with the setting named: the text columns the schema's migrations make would compare
   * without case, so customer ids, codes and keys differing only in case would collide. Before, a new database failed
   * half-way through its migrations with an error about a type, and one migrated before was opened.
   */
  @Test
  void anH2DatabaseThatIgnoresCaseIsRefusedAtStart() throws SQLException {
    String url = fileUrl("ignorecase") + ";WRITE_DELAY=0;IGNORECASE=TRUE";
    IllegalStateException byUrl = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(url).build().close());
    assertTrue(byUrl.getMessage().contains("IGNORECASE"), byUrl.getMessage());
    JdbcDataSource host = new JdbcDataSource();
    host.setURL(url);
    IllegalStateException byDataSource = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(host).build().close());
    assertTrue(byDataSource.getMessage().contains("IGNORECASE"), byDataSource.getMessage());

    String migrated = fileUrl("ignorecase-later") + ";WRITE_DELAY=0";
    JdbcStorage.builder().url(migrated).build().close();
    IllegalStateException later = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(migrated + ";IGNORECASE=TRUE").build().close());
    assertTrue(later.getMessage().contains("IGNORECASE"), later.getMessage());
    JdbcStorage.builder().url(migrated + ";IGNORECASE=FALSE").build().close();
  }

  /**
   * An H2 database that folds unquoted names to lower case ({@code DATABASE_TO_LOWER=TRUE}, as H2 suggests beside
   * {@code MODE=PostgreSQL}) is refused at start, by URL or host DataSource, with the setting named, before any
   * table is made: the schema's scripts name H2's own upper-case columns unquoted (SYSTEM_RANGE's X in V8), so such
   * a database failed half-way through its migrations with a "column not found" naming no setting, its first seven
   * versions applied under lower-case names.
   */
  @Test
  void anH2DatabaseThatFoldsNamesToLowerCaseIsRefusedAtStartBeforeAnyTableIsMade() throws SQLException {
    String url = fileUrl("to-lower") + ";WRITE_DELAY=0;DATABASE_TO_LOWER=TRUE";
    IllegalStateException byUrl = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(url).build().close());
    assertTrue(byUrl.getMessage().contains("DATABASE_TO_LOWER"), byUrl.getMessage());
    JdbcDataSource host = new JdbcDataSource();
    host.setURL(url);
    IllegalStateException byDataSource = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(host).build().close());
    assertTrue(byDataSource.getMessage().contains("DATABASE_TO_LOWER"), byDataSource.getMessage());
    try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES"
            + " WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' AND TABLE_SCHEMA <> 'information_schema'")) {
      assertTrue(rs.next());
      assertEquals(0, rs.getLong(1), "tables made in the refused database");
    }
  }

  /**
   * An H2 database whose tables were made under one folding of unquoted names is refused when opened under the other
   * ({@code DATABASE_TO_UPPER=FALSE} added to the URL of a database made without it, or taken away), naming the
   * setting, and gets no second schema: the engine's unquoted names no longer reach its tables, and the migrator,
   * finding its history by name in any case but reading it by unquoted name, made a new empty history and applied
   * every version again beside the old tables, so the engine started on an empty database.
   */
  @Test
  void anH2DatabaseOpenedUnderAnotherFoldingOfNamesIsRefusedNotMigratedAgain() throws SQLException {
    String upper = fileUrl("folded-upper") + ";WRITE_DELAY=0";
    JdbcStorage.builder().url(upper).build().close();
    IllegalStateException toMixed = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(upper + ";DATABASE_TO_UPPER=FALSE").build().close());
    assertTrue(toMixed.getMessage().contains("DATABASE_TO_UPPER"), toMixed.getMessage());
    assertEquals(1, tablesNamedIgnoringCase(upper, "tenant"));

    String mixed = fileUrl("folded-mixed") + ";WRITE_DELAY=0;DATABASE_TO_UPPER=FALSE";
    JdbcStorage.builder().url(mixed).build().close();
    JdbcDataSource host = new JdbcDataSource();
    host.setURL(fileUrl("folded-mixed") + ";WRITE_DELAY=0");
    IllegalStateException toUpper = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(host).build().close());
    assertTrue(toUpper.getMessage().contains("DATABASE_TO_UPPER"), toUpper.getMessage());
    assertEquals(1, tablesNamedIgnoringCase(mixed, "tenant"));
    JdbcStorage.builder().url(mixed).build().close();
  }

  private static long tablesNamedIgnoringCase(String url, String name) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        var query = connection.prepareStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES"
            + " WHERE LOWER(TABLE_NAME) = ?")) {
      query.setString(1, name);
      try (ResultSet rs = query.executeQuery()) {
        assertTrue(rs.next());
        return rs.getLong(1);
      }
    }
  }

  @Test
  void aHostDataSourceOnH2IsCheckedAtStart() throws SQLException {
    String delayedUrl = fileUrl("host-delayed") + ";WRITE_DELAY=500";
    try (Connection keepOpen = DriverManager.getConnection(delayedUrl)) {
      assertEquals("500", writeDelay(keepOpen));
      JdbcDataSource delayed = new JdbcDataSource();
      delayed.setURL(delayedUrl);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(delayed).build());
      assertTrue(e.getMessage().contains("WRITE_DELAY=500"), e.getMessage());
    }
    JdbcDataSource memory = new JdbcDataSource();
    memory.setURL("jdbc:h2:mem:host-memory;DB_CLOSE_DELAY=-1");
    assertTrue(assertThrows(IllegalStateException.class, () -> JdbcStorage.builder().dataSource(memory).build())
        .getMessage().contains("in memory"));
  }

  /**
   * A host DataSource on an H2 server is refused at start, as a server URL given to the builder is: other processes
   * could write the database without taking turns with this one's transactions.
   */
  @Test
  void aHostDataSourceOnAnH2ServerIsRefusedAtStart() throws SQLException {
    Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", directory.toString()).start();
    try {
      JdbcDataSource host = new JdbcDataSource();
      host.setURL("jdbc:h2:tcp://localhost:" + server.getPort() + "/served;WRITE_DELAY=0");
      host.setUser("sa");
      host.setPassword("");
      try (Connection c = host.getConnection(); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT DATABASE_PATH()")) {
        assertTrue(rs.next() && rs.getString(1) != null, "a file database, durable but for the server");
      }
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(host).build());
      assertTrue(e.getMessage().contains("through a server"), e.getMessage());
      assertFalse(e.getMessage().contains(String.valueOf(server.getPort())), "the URL is not repeated");
    } finally {
      server.stop();
    }
  }

  /**
   * A host DataSource whose H2 database is open with AUTO_SERVER is refused at start. H2 reports the setting nowhere
   * on the connection; the lock file it keeps beside such a database names the server other processes use.
   */
  @Test
  void aHostDataSourceOnAnAutoServerDatabaseIsRefusedAtStart() throws SQLException {
    String url = fileUrl("auto-served") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
    try (Connection keepOpen = DriverManager.getConnection(url)) {
      assertTrue(Files.exists(directory.resolve("auto-served.lock.db")), "H2 names its server in the lock file");
      JdbcDataSource host = new JdbcDataSource();
      host.setURL(url);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(host).build());
      assertTrue(e.getMessage().contains("AUTO_SERVER"), e.getMessage());
      assertFalse(e.getMessage().contains(directory.toString()), "the path is not repeated");
    }
  }

  /**
   * The same refusal for a database on H2's async: or retry: file system (retry: is what JdbcStorage.h2File opens,
   * and what the start's warning recommends to a host): H2 keeps the lock file beside the database file itself, but
   * DATABASE_PATH() names the database with the file system's prefix.
   */
  @Test
  void aHostDataSourceOnAnAutoServerDatabaseOnAsyncOrRetryIsRefusedAtStart() throws SQLException {
    for (String fileSystem : List.of("async", "retry")) {
      String url = "jdbc:h2:" + fileSystem + ":" + directory.resolve("auto-served-" + fileSystem)
          + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
      try (Connection keepOpen = DriverManager.getConnection(url)) {
        assertTrue(Files.exists(directory.resolve("auto-served-" + fileSystem + ".lock.db")),
            "H2 names its server in the lock file beside the database file");
        JdbcDataSource host = new JdbcDataSource();
        host.setURL(url);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> JdbcStorage.builder().dataSource(host).build(), fileSystem);
        assertTrue(e.getMessage().contains("AUTO_SERVER"), e.getMessage());
      }
    }
  }

  /**
   * The same refusal when another process opened the database with AUTO_SERVER, the case the setting is for: the
   * host's DataSource, with AUTO_SERVER in its URL too as H2 asks of every process sharing the file, reaches the
   * database through the other process's server and is refused with the message a database this process serves
   * gets. Without AUTO_SERVER the host's DataSource cannot open the file the other process holds, and nothing
   * starts either.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hung child, not a measurement
  void aHostDataSourceOnADatabaseAnotherProcessServesIsRefusedAtStart() throws Exception {
    String servedHere = fileUrl("served-here") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
    String servedHereRefusal;
    try (Connection keepOpen = DriverManager.getConnection(servedHere, "sa", "")) {
      servedHereRefusal = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(hostDataSource(servedHere)).build()).getMessage();
    }
    Path errors = directory.resolve("child-stderr.txt");
    Process child = ChildJvm.start(AutoServerChild.class, errors, directory.resolve("served-there").toString());
    try (BufferedReader out = ChildJvm.output(child)) {
      assertEquals("OPEN", ChildJvm.readLine(out, errors, 60));
      String url = fileUrl("served-there");
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(hostDataSource(url + ";AUTO_SERVER=TRUE;WRITE_DELAY=0")).build());
      assertEquals(servedHereRefusal, e.getMessage());
      // H2's 90020: the database is already in use (by the other process).
      StorageException locked = assertThrows(StorageException.class,
          () -> JdbcStorage.builder().dataSource(hostDataSource(url + ";WRITE_DELAY=0")).build());
      assertTrue(locked.getMessage().contains("90020"), locked.getMessage());
    } finally {
      ChildJvm.kill(child, 30);
    }
  }

  /**
   * The other way round: while the engine's own storage has the file open, another process cannot open it, with
   * AUTO_SERVER or not, so no server comes up on the database for other processes to write it through.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hung child, not a measurement
  void anotherProcessCannotServeADatabaseTheEngineHasOpen() throws Exception {
    Path database = directory.resolve("engine-first");
    Path errors = directory.resolve("child-stderr.txt");
    try (JdbcStorage storage = JdbcStorage.h2File(database)) {
      Process child = ChildJvm.start(AutoServerChild.class, errors, database.toString());
      try (BufferedReader out = ChildJvm.output(child)) {
        assertEquals("FAILED 90020", ChildJvm.readLine(out, errors, 60), "the database is already in use");
      } finally {
        ChildJvm.kill(child, 30);
      }
      assertFalse(Files.exists(directory.resolve("engine-first.lock.db")), "no server was named for the database");
    }
  }

  /** A host's DataSource on {@code url}, as the admin user {@code sa} the database was created with. */
  private static JdbcDataSource hostDataSource(String url) {
    JdbcDataSource host = new JdbcDataSource();
    host.setURL(url);
    host.setUser("sa");
    host.setPassword("");
    return host;
  }

  /**
   * A lock file left by a process that died with AUTO_SERVER on names a server nobody answers at: the database,
   * opened without AUTO_SERVER now, is accepted.
   */
  @Test
  void aStaleAutoServerLockFileIsNotMistakenForAServer() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Files.writeString(directory.resolve("stale.lock.db"), "#FileLock\nserver=127.0.0.1\\:" + closedPort
        + "\nhostName=localhost\nmethod=file\nid=0123456789abcdef\n");
    JdbcDataSource host = new JdbcDataSource();
    host.setURL(fileUrl("stale") + ";WRITE_DELAY=0");
    try (JdbcStorage storage = JdbcStorage.builder().dataSource(host).build()) {
      assertEquals(SqlDialect.H2, storage.dialect());
    }
  }

  /** A host DataSource on one of H2's in-memory file systems, also behind a wrapper, is refused at start. */
  @Test
  void aHostDataSourceOnAnInMemoryFileSystemIsRefusedAtStart() {
    for (String url : List.of("jdbc:h2:memFS:/loyalty-host;WRITE_DELAY=0", "jdbc:h2:memLZF:/loyalty-host;WRITE_DELAY=0",
        "jdbc:h2:nioMemFS:/loyalty-host;WRITE_DELAY=0", "jdbc:h2:split:nioMemLZF:/loyalty-host;WRITE_DELAY=0",
        "jdbc:h2:cache:memFS:/loyalty-host;WRITE_DELAY=0")) {
      JdbcDataSource host = new JdbcDataSource();
      host.setURL(url);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(host).build(), url);
      assertTrue(e.getMessage().contains("in memory"), e.getMessage());
    }
  }

  /** The storage turns off H2's reuse of query results at start, which only an admin may: another user is refused. */
  @Test
  void aHostDataSourceOnH2WithoutAdminRightsIsRefusedAtStart() throws SQLException {
    String url = fileUrl("not-admin");
    // Settings in the URL are SET statements, which need an admin too: the admin's connection sets the write delay.
    try (Connection admin = DriverManager.getConnection(url + ";WRITE_DELAY=0", "sa", "");
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE USER app PASSWORD 'app-pw'");
      assertEquals("0", writeDelay(admin));
      JdbcDataSource notAdmin = new JdbcDataSource();
      notAdmin.setURL(url);
      notAdmin.setUser("app");
      notAdmin.setPassword("app-pw");
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> JdbcStorage.builder().dataSource(notAdmin).build());
      assertTrue(e.getMessage().contains("admin"), e.getMessage());
    }
  }

  @Test
  void theHostsPoolStaysOpenAndTheStoragesOwnPoolCloses() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(fileUrl("host-pool") + ";WRITE_DELAY=0");
    try (HikariDataSource hostPool = new HikariDataSource(config)) {
      JdbcStorage storage = JdbcStorage.builder().dataSource(hostPool).build();
      assertEquals(Set.of(StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE,
          StorageCapability.DURABLE), storage.capabilities());
      storage.close();
      storage.close();
      assertFalse(hostPool.isClosed());
    }
  }

  @Test
  void h2FileCreatesTheDatabaseFile() {
    Path path = directory.resolve("sub").resolve("loyalty");
    try (JdbcStorage storage = JdbcStorage.h2File(path)) {
      assertEquals(SqlDialect.H2, storage.dialect());
    }
    assertTrue(Files.exists(directory.resolve("sub").resolve("loyalty.mv.db")));
    try (JdbcStorage reopened = JdbcStorage.h2File(path)) {
      assertEquals(SqlDialect.H2, reopened.dialect());
    }
  }

  /**
   * h2File opens its file on H2's retry: file system, under which an interrupted thread's read or write does not
   * close the database (H2InterruptTest); an H2 file on H2's default file system, by a URL or a host DataSource, is
   * warned about at start, and one on async: or retry: is not.
   */
  @Test
  void anH2FileThatAnInterruptCanCloseIsWarnedAboutAtStart() {
    String warning = "can make H2 close the database under every connection";
    String log = StderrCapture.capture(() -> {
      try (JdbcStorage storage = JdbcStorage.h2File(directory.resolve("own"))) {
        assertEquals(SqlDialect.H2, storage.dialect());
      }
    });
    assertTrue(log.contains("url=jdbc:h2:retry:" + directory.resolve("own").toAbsolutePath() + ";WRITE_DELAY=0;"),
        log);
    assertFalse(log.contains(warning), log);
    for (String prefix : List.of("jdbc:h2:async:", "jdbc:h2:retry:", "jdbc:h2:split:async:")) {
      String quiet = StderrCapture.capture(() -> {
        try (JdbcStorage storage = JdbcStorage.builder().url(prefix + directory.resolve("quiet")).build()) {
          assertEquals(SqlDialect.H2, storage.dialect());
        }
      });
      assertFalse(quiet.contains(warning), prefix + ": " + quiet);
    }
    String warned = StderrCapture.capture(() -> {
      try (JdbcStorage storage = JdbcStorage.builder().url(fileUrl("plain")).build()) {
        assertEquals(SqlDialect.H2, storage.dialect());
      }
    });
    assertTrue(warned.contains("WARN") && warned.contains(warning), warned);
    JdbcDataSource host = hostDataSource(fileUrl("host") + ";WRITE_DELAY=0");
    String hostLog = StderrCapture.capture(() -> {
      try (JdbcStorage storage = JdbcStorage.builder().dataSource(host).build()) {
        assertEquals(SqlDialect.H2, storage.dialect());
      }
    });
    assertTrue(hostLog.contains(warning), hostLog);
  }

  @Test
  void theConfigurationIsLoggedOnceSortedWithThePasswordMasked() {
    String password = "Sup3r-Secret-Pw";
    String log = StderrCapture.capture(() -> {
      try (JdbcStorage storage = JdbcStorage.builder().url(fileUrl("logged")).credentials("loyalty", password)
          .maximumPoolSize(3).dialect(SqlDialect.H2).build()) {
        assertEquals(SqlDialect.H2, storage.dialect());
      }
    });
    assertFalse(log.contains(password), log);
    String line = log.lines().filter(l -> l.contains("JDBC storage configuration")).findFirst().orElseThrow();
    assertEquals(1, log.lines().filter(l -> l.contains("JDBC storage configuration")).count(), log);
    assertTrue(line.contains("autoCommit=true, dialect=H2, maximumPoolSize=3, password=****, schemaMode=MIGRATE,"
        + " transactionIsolation=READ_COMMITTED, url=jdbc:h2:file:"), line);
    assertTrue(line.endsWith("username=loyalty"), line);
    assertTrue(log.contains("dialect H2 (set explicitly)"), log);
  }

  @Test
  void theDetectedDialectIsLogged() {
    String log = StderrCapture.capture(() -> JdbcStorage.builder().url(fileUrl("detected")).build().close());
    assertTrue(log.contains("uses dialect H2 (detected from database product 'H2')"), log);
  }

  @Test
  void secretsInUrlsAreMasked() {
    assertEquals("jdbc:h2:file:/x;PASSWORD=****;CIPHER=AES", Secrets.maskUrl("jdbc:h2:file:/x;PASSWORD=pw;CIPHER=AES"));
    assertEquals("jdbc:postgresql://db/shop?user=app&password=****&sslpassword=****&ssl=true",
        Secrets.maskUrl("jdbc:postgresql://db/shop?user=app&password=p%40ss&sslpassword=k&ssl=true"));
    assertEquals("jdbc:postgresql://app:****@db/shop", Secrets.maskUrl("jdbc:postgresql://app:secret@db/shop"));
    assertEquals("jdbc:h2:file:/data/loyalty;WRITE_DELAY=0", Secrets.maskUrl("jdbc:h2:file:/data/loyalty;WRITE_DELAY=0"));
    // A secret holding the other syntax's separator is masked whole.
    assertEquals("jdbc:postgresql://h/db?user=u&password=****&x=1",
        Secrets.maskUrl("jdbc:postgresql://h/db?user=u&password=ab;cd&x=1"));
    assertEquals("jdbc:h2:file:/x;PASSWORD=****;CIPHER=AES", Secrets.maskUrl("jdbc:h2:file:/x;PASSWORD=a&b;CIPHER=AES"));
    // H2 reads "\;" in a setting's value as a ';' of the value: the password runs on past it.
    assertEquals("jdbc:h2:file:/x;USER=sa;PASSWORD=****;WRITE_DELAY=0",
        Secrets.maskUrl("jdbc:h2:file:/x;USER=sa;PASSWORD=ab\\;Hunter2\\\\;WRITE_DELAY=0"));
  }

  /**
   * An authority's password holding an unescaped '@' (which many write as is) is masked whole: the authority ends at
   * its last '@', as URL parsers take it.
   */
  @Test
  void anAuthorityPasswordHoldingAnAtSignIsMaskedWhole() {
    assertEquals("jdbc:postgresql://app:****@db/shop", Secrets.maskUrl("jdbc:postgresql://app:p@ss@db/shop"));
    assertEquals("jdbc:postgresql://app:****@db/shop?user=me@example.com",
        Secrets.maskUrl("jdbc:postgresql://app:s3@cr@t@db/shop?user=me@example.com"));
  }

  /**
   * An authority's password holding an unescaped '/', '?', '#' or ';' (a generated one, base64 with its '/', say) is
   * masked whole too: it runs to the '@' before the host, not to the first of those characters.
   */
  @Test
  void anAuthorityPasswordHoldingAUrlDelimiterIsMaskedWhole() {
    assertEquals("jdbc:postgresql://app:****@db/shop", Secrets.maskUrl("jdbc:postgresql://app:Hunter2/Tail7@db/shop"));
    assertEquals("jdbc:postgresql://app:****@db:5432/shop?ssl=true",
        Secrets.maskUrl("jdbc:postgresql://app:q8/xZk3+Tail7=@db:5432/shop?ssl=true"));
    assertEquals("jdbc:postgresql://app:****@db/shop?ssl=true",
        Secrets.maskUrl("jdbc:postgresql://app:Hunter2?Tail7@db/shop?ssl=true"));
    assertEquals("jdbc:postgresql://app:****@db/shop", Secrets.maskUrl("jdbc:postgresql://app:Hunter2#Tail7@db/shop"));
    assertEquals("jdbc:postgresql://app:****@db/shop", Secrets.maskUrl("jdbc:postgresql://app:Hunter2;Tail7@db/shop"));
    assertEquals("jdbc:postgresql://app:****@db/shop?user=me@example.com",
        Secrets.maskUrl("jdbc:postgresql://app:Hun@ter2/Tail7@db/shop?user=me@example.com"));
    assertEquals("jdbc:h2:tcp://sa:****@localhost:9092/~/shop;WRITE_DELAY=0",
        Secrets.maskUrl("jdbc:h2:tcp://sa:Hunter2/Tail7@localhost:9092/~/shop;WRITE_DELAY=0"));
    // No authority: a '@' in the query or the settings is no password's end.
    assertEquals("jdbc:postgresql://db:5432/shop?user=me@example.com",
        Secrets.maskUrl("jdbc:postgresql://db:5432/shop?user=me@example.com"));
    assertEquals("jdbc:h2:tcp://localhost:9092/~/shop;USER=me@example.com",
        Secrets.maskUrl("jdbc:h2:tcp://localhost:9092/~/shop;USER=me@example.com"));
  }

  /**
   * An authority's password holding a '/' and then what reads as a query ({@code pa/ss?x=1}) is still the
   * password's: the user information ends at the '@' before the host that the path follows, not at the first
   * '/' or '?', and not short of it. Secrets elsewhere in the same URL (a query's {@code password=} in any case,
   * H2's {@code ;PASSWORD=}) are masked too.
   */
  @Test
  void anAuthorityPasswordHoldingWhatReadsAsAQueryIsMaskedWhole() {
    assertEquals("jdbc:postgresql://app:****@db:5432/shop?password=****",
        Secrets.maskUrl("jdbc:postgresql://app:pa/ss?x=1@db:5432/shop?password=Hunter2"));
    assertEquals("jdbc:postgresql://app:****@db/shop?ssl=true&PassWord=****&user=me@example.com",
        Secrets.maskUrl("jdbc:postgresql://app:pa/ss?x=1@db/shop?ssl=true&PassWord=Hunter2&user=me@example.com"));
    assertEquals("jdbc:postgresql://app:****@db/shop?user=me@example.com",
        Secrets.maskUrl("jdbc:postgresql://app:Hun/ter2;x=1@ss@db/shop?user=me@example.com"));
    // No path after the host: the text before the ':' names no host with a port, so the '@' ends a password.
    assertEquals("jdbc:postgresql://app:****@db?sslpassword=****",
        Secrets.maskUrl("jdbc:postgresql://app:pa/ss?x=1@db?sslpassword=Hunter2"));
    assertEquals("jdbc:h2:tcp://sa:****@localhost:9092/~/shop;PASSWORD=****;WRITE_DELAY=0",
        Secrets.maskUrl("jdbc:h2:tcp://sa:pa/ss;x=1@localhost:9092/~/shop;PASSWORD=Hunter2;WRITE_DELAY=0"));
    // A host and port, then a query whose value holds an '@': no authority to mask, as before.
    assertEquals("jdbc:postgresql://db:5432/shop?user=me@example.com&password=****",
        Secrets.maskUrl("jdbc:postgresql://db:5432/shop?user=me@example.com&password=Hunter2"));
  }

  /**
   * A URL the pool cannot use (no driver accepts it, or PostgreSQL's driver finds it malformed) makes HikariCP fail
   * with the URL in its message, masked only up to a ';' or '#' in the password: no part of the password is printed
   * with the storage's failure.
   */
  @Test
  void aUrlThePoolCannotUseFailsWithoutPrintingThePassword() {
    for (String url : List.of("jdbc:postgresql://db.example.invalid:notaport/shop?user=app&password=Hunter2;Tail7#End7",
        "jdbc:nosuchdriver://db.example.invalid/shop?user=app&password=Hunter2;Tail7#End7&ssl=true",
        "jdbc:nosuchdriver://db.example.invalid/shop;user=app;password=Hunter2#Tail7")) {
      StorageException e = assertThrows(StorageException.class, () -> JdbcStorage.builder().url(url).build(), url);
      StringWriter printed = new StringWriter();
      e.printStackTrace(new PrintWriter(printed));
      for (String part : List.of("Hunter2", "Tail7", "End7")) {
        assertFalse(printed.toString().contains(part), () -> "the failure prints '" + part + "':\n" + printed);
      }
      assertTrue(printed.toString().contains("db.example.invalid"), printed.toString());
    }
  }

  /**
   * A host that gives a URL of a database whose JDBC driver it has not added (engine-jdbc brings H2's only: the
   * PostgreSQL driver is an optional dependency) is told so, not that the database could not be reached: the two
   * failures have the same SQLState (08001) and HikariCP's message, which tells them apart, is withheld.
   */
  @Test
  void aUrlNoDriverOnTheClassPathAcceptsIsReportedAsAMissingDriver() {
    String url = "jdbc:mysql://db.example.invalid:3306/shop?user=app&password=Hunter2";
    StorageException e = assertThrows(StorageException.class, () -> JdbcStorage.builder().url(url).build());
    assertTrue(e.getMessage().contains("no JDBC driver on the class path accepts the url"), e.getMessage());
    assertFalse(e.getMessage().contains("could not connect"), e.getMessage());
    assertFalse(e.getMessage().contains("Hunter2"), e.getMessage());
  }

  /**
   * An H2 file another process has open (here: this one, under H2's plain file system, which H2 refuses as it refuses
   * another process) is named as such, not as a database that cannot be reached.
   */
  @Test
  void anH2FileAlreadyOpenElsewhereIsReportedAsInUse() throws SQLException {
    Path file = directory.resolve("held");
    try (Connection held = DriverManager.getConnection("jdbc:h2:file:" + file + ";WRITE_DELAY=0")) {
      StorageException e = assertThrows(StorageException.class, () -> JdbcStorage.builder().h2File(file).build());
      assertTrue(e.getMessage().contains("is in use"), e.getMessage());
      assertTrue(e.getMessage().contains("jdbc:h2:retry:"), e.getMessage());
      assertFalse(e.getMessage().contains("could not connect"), e.getMessage());
    }
  }

  /**
   * SchemaMode.VALIDATE's recipe for a host's own migration tool: the jar's scripts in the order of migrations.txt,
   * each recorded in loyalty_schema_history with the SHA-256 (hex) of its text, line ends as \n.
   */
  @Test
  void validateModeAcceptsASchemaAppliedByTheHostAsDocumented() throws Exception {
    String url = fileUrl("host-migrated") + ";WRITE_DELAY=0";
    String directory = "io/loyaltyengine/jdbc/schema/" + SqlDialect.H2.scriptDirectory() + "/";
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE loyalty_schema_history (version INTEGER PRIMARY KEY, description VARCHAR(200)"
          + " NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
      for (String name : resource(directory + "migrations.txt").split("\n")) {
        name = name.strip();
        if (name.isEmpty() || name.startsWith("#")) {
          continue;
        }
        String script = resource(directory + name);
        statement.execute(script);
        String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(script.replace("\r\n", "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try (var insert = connection.prepareStatement("INSERT INTO loyalty_schema_history VALUES (?, ?, ?,"
            + " CURRENT_TIMESTAMP)")) {
          insert.setInt(1, Integer.parseInt(name.substring(1, name.indexOf("__"))));
          insert.setString(2, name.substring(name.indexOf("__") + 2, name.length() - 4).replace('_', ' '));
          insert.setString(3, sha256);
          insert.executeUpdate();
        }
      }
    }
    JdbcStorage.builder().url(url).schemaMode(SchemaMode.VALIDATE).build().close();
  }

  private static String resource(String name) throws java.io.IOException {
    try (var in = JdbcStorage.class.getClassLoader().getResourceAsStream(name)) {
      assertTrue(in != null, name);
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void validateModeRefusesAnEmptyDatabaseAndAcceptsAMigratedOne() {
    String url = fileUrl("validated");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(url).schemaMode(SchemaMode.VALIDATE).build());
    assertTrue(e.getMessage().contains("missing version(s) 1 (foundation) [io/loyaltyengine/jdbc/schema/h2/"
        + "V1__foundation.sql]"), e.getMessage());
    JdbcStorage.builder().url(url).build().close();
    JdbcStorage.builder().url(url).schemaMode(SchemaMode.VALIDATE).build().close();
  }

  /**
   * Validate mode accepts a migrated H2 database that keeps names in the case they are written in
   * ({@code DATABASE_TO_UPPER=FALSE}, which the storage accepts and migrates): its check for the schema history named
   * H2's catalog in lower case, which such a database does not fold to INFORMATION_SCHEMA, and failed with "schema
   * validation failed (SQLState 90079)".
   */
  @Test
  void validateModeAcceptsAMigratedH2DatabaseThatKeepsTheCaseOfNames() {
    String url = fileUrl("validated-mixed") + ";DATABASE_TO_UPPER=FALSE";
    JdbcStorage.builder().url(url).build().close();
    JdbcStorage.builder().url(url).schemaMode(SchemaMode.VALIDATE).build().close();
  }
}
