package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL (zonky: real binaries from Maven Central) for the whole test run, shared by every test
 * class, started on first use and stopped when the JVM exits; each fixture gets a fresh database in it.
 *
 * <p>The session time zone is set unlike the JVM's (the JVM runs in Asia/Kolkata, the sessions in Pacific/Chatham,
 * +12:45/+13:45), so that a timestamp bound or read through the JVM's zone shows as a wrong instant. The JDBC driver
 * sends the JVM's zone when it connects, overriding the server's {@code timezone}; so the pools built here set the
 * session zone on every new connection.
 *
 * <p>Thread-safe.
 */
final class EmbeddedPostgresServer {
  /** The time zone of every session opened through this class. */
  static final String SESSION_TIME_ZONE = "Pacific/Chatham";
  private static final String SET_TIME_ZONE = "SET TIME ZONE '" + SESSION_TIME_ZONE + "'";
  private static final AtomicInteger DATABASE_NUMBER = new AtomicInteger();
  /**
   * Options of {@link #createDatabase(String)} for a database whose text sorts as American English does (ICU, which
   * the embedded binaries carry, so the test does not depend on the machine's locales), as a production database
   * created with {@code en_US.UTF-8} does: {@code a} before {@code B}, punctuation nearly ignored. The server's own
   * databases sort by the characters' codes ({@code C}), where the engine's Java order and the database's agree.
   */
  static final String ICU_EN_US = " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'";
  private static EmbeddedPostgres server;
  private static String migratedTemplate;

  private EmbeddedPostgresServer() {
  }

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("timezone", SESSION_TIME_ZONE)
            .setServerConfig("max_connections", "300")
            .setRegisterShutdownHook(true)
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("the embedded PostgreSQL did not start", e);
      }
    }
    return server;
  }

  /** Creates a new, empty database and returns its name. */
  static String createDatabase() {
    return createDatabase("");
  }

  /**
   * Creates a new database holding the engine's schema at its latest version, as a storage opened on an empty one
   * leaves it (no row but the migrations' own), and returns its name: a copy of a template migrated once per test
   * run, since migrating every fixture's database anew took most of a fixture's cost (about 110 of 185 ms). Tests of
   * the migrations themselves create empty databases ({@link #createDatabase()}).
   */
  static String createMigratedDatabase() {
    return createDatabase(" TEMPLATE " + migratedTemplate());
  }

  private static synchronized String migratedTemplate() {
    if (migratedTemplate == null) {
      String name = createDatabase();
      try (HikariDataSource pool = pool(name, 1)) {
        JdbcStorage.builder().dataSource(pool).build().close();
      }
      // Copied with CREATE DATABASE ... TEMPLATE, which needs no session on it: the pool above is closed.
      migratedTemplate = name;
    }
    return migratedTemplate;
  }

  /**
   * Creates a new, empty database with {@code options} appended to its {@code CREATE DATABASE} (a constant of the
   * calling test, such as {@link #ICU_EN_US}) and returns its name.
   */
  static String createDatabase(String options) {
    String name = "loyalty_" + ProcessHandle.current().pid() + "_" + DATABASE_NUMBER.incrementAndGet();
    try (Connection connection = server().getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name + options);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create a test database", e);
    }
    return name;
  }

  /** Drops a database, disconnecting whoever is still connected. */
  static void dropDatabase(String name) {
    try (Connection connection = server().getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop a test database", e);
    }
  }

  /** The JDBC URL of database {@code name} (no credentials needed: the server trusts local connections). */
  static String url(String database) {
    return server().getJdbcUrl("postgres", database);
  }

  /** A new connection to {@code database}, in the test session zone. */
  static Connection connect(String database) throws SQLException {
    Connection connection = DriverManager.getConnection(url(database));
    try (Statement statement = connection.createStatement()) {
      statement.execute(SET_TIME_ZONE);
    }
    return connection;
  }

  /** A small pool on {@code database} whose sessions run in the test session zone. */
  static HikariDataSource pool(String database, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(database));
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionInitSql(SET_TIME_ZONE);
    return new HikariDataSource(config);
  }
}
