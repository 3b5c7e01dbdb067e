package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.testkit.model.ModelRunner;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz test of {@link JdbcStorage.Builder}, in the style of engine-test-kit's SettingsBuilderFuzzTest:
 * random sequences of its setters, with values around each documented rule (URLs with and without {@code jdbc:},
 * durable and in-memory H2 URLs, write delays, paths with {@code ;}, pool sizes around 1..1,000, null, a setting
 * set twice, {@code url} with {@code dataSource}), and of {@code build()}. Each setter must accept its value or throw
 * at once what its javadoc documents, with a message naming the setting (and the bound); nothing else escapes, and a
 * refused call leaves the builder as it was.
 *
 * <p>No database is opened. {@code build()} is called only where it fails before connecting (no url nor data source,
 * a pool setting with a data source: {@code IllegalStateException} naming the setting) or where it connects to a
 * fake: a data source or a {@code jdbc:fuzz:} driver that records what it was asked and refuses the connection, so
 * the build must end in a {@link StorageException} (the database cannot be reached) after handing over the URL and
 * credentials as set, with no password in its messages. A run that set an H2 URL never builds (it would create a
 * database file). Not checked, since only a database shows them: the pool size, auto-commit, dialect and schema mode
 * reaching the pool and the start-up.
 */
class JdbcStorageBuilderFuzzTest {
  private static final String PASSWORD = "pw-fuzzsecret-7";
  private static final FakeDriver DRIVER = new FakeDriver();

  @BeforeAll
  static void registerDriver() throws SQLException {
    DriverManager.registerDriver(DRIVER);
  }

  @AfterAll
  static void deregisterDriver() throws SQLException {
    DriverManager.deregisterDriver(DRIVER);
  }

  /** A URL and whether the builder must take it (its documented rules: {@code jdbc:}, and a durable H2 URL). */
  private record Url(String value, boolean accepted) {
    @Override
    public String toString() {
      return value == null ? "null" : "\"" + value + "\"";
    }

    boolean fake() {
      return value != null && value.strip().regionMatches(true, 0, "jdbc:fuzz:", 0, 10);
    }
  }

  private static final List<Url> URLS = List.of(
      new Url("jdbc:fuzz://db:5432/shop", true), new Url("jdbc:fuzz:trailing \t", true),
      new Url("JDBC:FUZZ://db/shop?password=" + PASSWORD, true), new Url("jdbc:fuzz:x;PASSWORD=" + PASSWORD, true),
      new Url("jdbc:h2:file:/nonexistent/fuzz/db", true), new Url("jdbc:h2:./fuzz;write_delay=0", true),
      new Url("jdbc:h2:tcp://localhost/~/fuzz", false), new Url("jdbc:h2:split:/nonexistent/fuzz", true),
      new Url(null, false), new Url("", false), new Url(" ", false), new Url("jdbc", false),
      new Url("postgres://db/shop", false), new Url(" jdbc:fuzz:leading", false), new Url("x jdbc:fuzz:db", false), new Url("jdbc:h2:mem:fuzz", false),
      new Url("JDBC:H2:MEM:", false), new Url("jdbc:h2:.", false), new Url("jdbc:h2:tcp:localhost/mem:x", false),
      new Url("jdbc:h2:memFS:/fuzz", false), new Url("jdbc:h2:split:26:nioMemLZF:/fuzz", false),
      new Url("jdbc:h2:file:/nonexistent/fuzz;WRITE_DELAY=500", false),
      new Url("jdbc:h2:file:/nonexistent/fuzz;WRITE_DELAY=", false),
      new Url("jdbc:h2:file:/nonexistent/fuzz;WRITE_DELAY=99999999999", false),
      new Url("jdbc:h2:file:/nonexistent/fuzz;AUTO_SERVER=TRUE", false));

  @Test
  void jdbcStorageBuilder() {
    Gen<Call> calls = Gen.frequency(
        Gen.weight(4, Gen.elements(URLS).map(u -> Call.of("url", u))),
        Gen.weight(1, Gen.elements("/nonexistent/fuzz/h2", "relative/fuzz", "/nonexistent/bad;name", "null")
            .map(p -> Call.of("h2File", p.equals("null") ? null : p))),
        Gen.weight(2, random -> Call.of("credentials", random.nextInt(8) == 0 ? null : "loyalty",
            random.nextInt(8) == 0 ? null : PASSWORD)),
        Gen.weight(2, random -> Call.of("dataSource", random.nextInt(6) != 0)),
        Gen.weight(2, Generators.intsAround(1, JdbcStorage.Builder.MAX_POOL_SIZE)
            .map(v -> Call.of("maximumPoolSize", v))),
        Gen.weight(1, random -> Call.of("autoCommit", random.nextBoolean())),
        Gen.weight(1, random -> Call.of("dialect", random.nextInt(5) == 0 ? null
            : SqlDialect.values()[random.nextInt(SqlDialect.values().length)])),
        Gen.weight(1, random -> Call.of("schemaMode", random.nextInt(5) == 0 ? null
            : SchemaMode.values()[random.nextInt(SchemaMode.values().length)])),
        Gen.weight(3, Gen.constant(Call.of("build"))));
    Map<String, int[]> tally = new TreeMap<>();
    long[] seeds = new long[40];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = 104_729L * (i + 1);
    }
    ModelRunner.<Session, Model, Call>builder()
        .name("JdbcStorage.Builder")
        .system(() -> new Session(tally))
        .model(session -> new Model())
        .operations(calls)
        .step(JdbcStorageBuilderFuzzTest::call)
        .steps(40)
        .build()
        .runSeeds(seeds);
    if (ModelRunner.seeds(seeds).length > 1) {
      for (String setter : List.of("url", "h2File", "credentials", "dataSource", "maximumPoolSize", "autoCommit",
          "dialect", "schemaMode", "build", "build: cannot connect")) {
        int[] counts = tally.getOrDefault(setter, new int[2]);
        // build() is refused (a missing or conflicting setting) or cannot connect: it never gives a storage.
        assertTrue(setter.equals("build") ? counts[1] > 0 : counts[0] > 0 && (counts[1] > 0 || setter.equals(
            "build: cannot connect")),
            setter + " was accepted " + counts[0] + " times and refused " + counts[1]
                + " times; the values drawn must reach both sides of its rules");
      }
    }
  }

  /** One call as a value (arguments may be null), so that a shortened sequence replays it on a fresh builder. */
  private record Call(String setter, List<Object> args) {
    static Call of(String setter, Object... args) {
      return new Call(setter, Collections.unmodifiableList(Arrays.asList(args)));
    }

    @Override
    public String toString() {
      return setter + args.stream().map(String::valueOf).collect(Collectors.joining(", ", "(", ")"));
    }
  }

  /** A documented refusal: the exception's type and the setting its message must name (and the bound, if any). */
  private record Refusal(Class<? extends RuntimeException> type, String setting, String bound) {
    boolean matches(RuntimeException e) {
      return type.isInstance(e) && e.getMessage() != null && e.getMessage().contains(setting)
          && (bound == null || e.getMessage().contains(bound));
    }
  }

  private static Refusal npe(String setting) {
    return new Refusal(NullPointerException.class, setting, null);
  }

  private static Refusal iae(String setting, Object bound) {
    return new Refusal(IllegalArgumentException.class, setting, bound == null ? null : String.valueOf(bound));
  }

  private static Refusal ise(String setting) {
    return new Refusal(IllegalStateException.class, setting, null);
  }

  private static List<Refusal> refusals(Refusal... refusals) {
    List<Refusal> out = new ArrayList<>();
    for (Refusal r : refusals) {
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** The builder under test, replaced by a fresh one after a build that tried to connect. */
  private static final class Session {
    final Map<String, int[]> tally;
    JdbcStorage.Builder builder = JdbcStorage.builder();

    Session(Map<String, int[]> tally) {
      this.tally = tally;
    }

    /**
     * Runs {@code action}: it must return normally when nothing is documented against it, else throw one of
     * {@code documented}; anything else fails the run.
     */
    boolean attempt(Call call, List<Refusal> documented, Runnable action) {
      try {
        action.run();
      } catch (RuntimeException e) {
        if (documented.isEmpty()) {
          throw new AssertionError(call + " refused a value its javadoc accepts: " + e, e);
        }
        if (documented.stream().noneMatch(r -> r.matches(e))) {
          throw new AssertionError(call + " threw " + e + ", but its javadoc documents " + documented, e);
        }
        tally.computeIfAbsent(call.setter(), s -> new int[2])[1]++;
        return false;
      }
      if (!documented.isEmpty()) {
        throw new AssertionError(call + " was accepted, but its javadoc documents " + documented);
      }
      tally.computeIfAbsent(call.setter(), s -> new int[2])[0]++;
      return true;
    }
  }

  /** What the builder holds: each setting as set, null when not set. */
  private static final class Model {
    String url;
    String username;
    String password;
    FakeDataSource dataSource;
    Integer maximumPoolSize;
    Boolean autoCommit;
    SqlDialect dialect;
    SchemaMode schemaMode;

    /** Back to a fresh builder's state (the runner keeps this model object for the whole run). */
    void reset() {
      url = null;
      username = null;
      password = null;
      dataSource = null;
      maximumPoolSize = null;
      autoCommit = null;
      dialect = null;
      schemaMode = null;
    }
  }

  private static void call(Session session, Model model, Call call) {
    JdbcStorage.Builder b = session.builder;
    switch (call.setter()) {
      case "url" -> {
        Url url = (Url) call.args().get(0);
        String value = url.value();
        List<Refusal> refusals = refusals(value == null ? npe("url") : null, model.url != null ? ise("url") : null,
            model.dataSource != null ? ise("url") : null, value != null && !url.accepted() ? iae("url", null) : null);
        if (session.attempt(call, refusals, () -> b.url(value))) {
          model.url = value.strip();
        }
      }
      case "h2File" -> {
        String path = (String) call.args().get(0);
        List<Refusal> refusals = refusals(path == null ? npe("path") : null,
            path != null && path.contains(";") ? iae("path", null) : null,
            model.url != null || model.dataSource != null ? ise("url") : null);
        if (session.attempt(call, refusals, () -> b.h2File(path == null ? null : Path.of(path)))) {
          model.url = "jdbc:h2:retry:" + Path.of(path).toAbsolutePath().normalize()
              + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64";
        }
      }
      case "credentials" -> {
        String username = (String) call.args().get(0);
        String password = (String) call.args().get(1);
        List<Refusal> refusals = refusals(username == null ? npe("username") : null,
            password == null ? npe("password") : null, model.username != null ? ise("credentials") : null);
        if (session.attempt(call, refusals, () -> b.credentials(username, password))) {
          model.username = username;
          model.password = password;
        }
      }
      case "dataSource" -> {
        FakeDataSource dataSource = (Boolean) call.args().get(0) ? new FakeDataSource() : null;
        List<Refusal> refusals = refusals(dataSource == null ? npe("dataSource") : null,
            model.dataSource != null ? ise("dataSource") : null, model.url != null ? ise("dataSource") : null);
        if (session.attempt(call, refusals, () -> b.dataSource(dataSource))) {
          model.dataSource = dataSource;
        }
      }
      case "maximumPoolSize" -> {
        int size = (Integer) call.args().get(0);
        int max = JdbcStorage.Builder.MAX_POOL_SIZE;
        List<Refusal> refusals = refusals(size < 1 ? iae("maximumPoolSize", 1) : size > max
            ? iae("maximumPoolSize", max) : null, model.maximumPoolSize != null ? ise("maximumPoolSize") : null);
        if (session.attempt(call, refusals, () -> b.maximumPoolSize(size))) {
          model.maximumPoolSize = size;
        }
      }
      case "autoCommit" -> {
        boolean autoCommit = (Boolean) call.args().get(0);
        if (session.attempt(call, refusals(model.autoCommit != null ? ise("autoCommit") : null),
            () -> b.autoCommit(autoCommit))) {
          model.autoCommit = autoCommit;
        }
      }
      case "dialect" -> {
        SqlDialect dialect = (SqlDialect) call.args().get(0);
        if (session.attempt(call, refusals(dialect == null ? npe("dialect") : null,
            model.dialect != null ? ise("dialect") : null), () -> b.dialect(dialect))) {
          model.dialect = dialect;
        }
      }
      case "schemaMode" -> {
        SchemaMode mode = (SchemaMode) call.args().get(0);
        if (session.attempt(call, refusals(mode == null ? npe("schemaMode") : null,
            model.schemaMode != null ? ise("schemaMode") : null), () -> b.schemaMode(mode))) {
          model.schemaMode = mode;
        }
      }
      case "build" -> build(session, model, call);
      default -> throw new AssertionError("no such call " + call);
    }
  }

  private static void build(Session session, Model model, Call call) {
    if (model.url == null && model.dataSource == null) {
      session.attempt(call, refusals(ise("url or dataSource")), session.builder::build);
      return;
    }
    if (model.dataSource != null && (model.username != null || model.maximumPoolSize != null
        || model.autoCommit != null)) {
      session.attempt(call, refusals(model.username != null ? ise("credentials") : null,
          model.maximumPoolSize != null ? ise("maximumPoolSize") : null,
          model.autoCommit != null ? ise("autoCommit") : null), session.builder::build);
      return;
    }
    if (model.dataSource == null && !model.url.regionMatches(true, 0, "jdbc:fuzz:", 0, 10)) {
      return; // an H2 URL: building would create a database file
    }
    DRIVER.clear();
    try {
      session.builder.build().close();
      throw new AssertionError(call + " built a storage on a database that refuses every connection");
    } catch (StorageException e) {
      // The database cannot be reached: documented. The password never shows.
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains(PASSWORD), "a password in " + t);
      }
    } catch (RuntimeException e) {
      throw new AssertionError(call + " threw " + e + " where its javadoc documents a StorageException", e);
    }
    if (model.dataSource != null) {
      assertEquals(1, model.dataSource.connections, "the host's data source was asked for a connection");
      assertEquals(0, DRIVER.urls.size(), "the pool is not created with a data source");
    } else {
      assertEquals(List.of(model.url), DRIVER.urls, "the URL as set, stripped");
      Properties info = DRIVER.infos.get(0);
      assertEquals(model.username, info.getProperty("user"), "user");
      assertEquals(model.password, info.getProperty("password"), "password");
    }
    session.tally.computeIfAbsent("build: cannot connect", s -> new int[2])[0]++;
    session.builder = JdbcStorage.builder();
    model.reset();
  }

  /** A host data source on a database that is down: every connection is refused. */
  private static final class FakeDataSource implements DataSource {
    int connections;

    @Override
    public Connection getConnection() throws SQLException {
      connections++;
      throw new SQLException("fuzz: the database is down", "08001");
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }

    @Override
    public String toString() {
      return "FakeDataSource";
    }
  }

  /** The driver of {@code jdbc:fuzz:} URLs: records each connection asked for, and hands out a dead one. */
  private static final class FakeDriver implements Driver {
    final List<String> urls = new ArrayList<>();
    final List<Properties> infos = new ArrayList<>();

    void clear() {
      urls.clear();
      infos.clear();
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
      if (!acceptsURL(url)) {
        return null;
      }
      urls.add(url);
      Properties copy = new Properties();
      copy.putAll(info);
      infos.add(copy);
      // A connection failing its first use, rather than none: HikariCP gives up at once on a connection it could
      // not set up, but waits a second before giving up on one it could not open.
      return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
          (proxy, method, args) -> switch (method.getName()) {
            case "toString" -> "FakeConnection";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new SQLException("fuzz: the database is down", "08001");
          });
    }

    @Override
    public boolean acceptsURL(String url) {
      return url != null && url.regionMatches(true, 0, "jdbc:fuzz:", 0, 10);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
      return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
      return 1;
    }

    @Override
    public int getMinorVersion() {
      return 0;
    }

    @Override
    public boolean jdbcCompliant() {
      return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }
  }
}
