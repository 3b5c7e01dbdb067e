package io.loyaltyengine.benchmarks;

import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The databases of one trial on one {@link StoreKind}: the engine's and, beside it, the raw baseline's, on the same
 * kind of store and the same disk (a temporary directory). For {@link StoreKind#POSTGRES} one embedded server is
 * started per trial with durable commits ({@code fsync}, {@code synchronous_commit} and {@code full_page_writes} on;
 * zonky turns the first two off by default), and the settings are read back before anything runs; the engine and
 * the baseline each have a database of that server ({@code engine}, {@code raw}).
 *
 * <p>Not thread-safe: opened and closed by a trial's setup and tear-down; the connections it hands out are each used
 * by one thread.
 */
public final class BenchDatabase implements AutoCloseable {
  /** The server settings that make a PostgreSQL commit durable, each required to read back as {@code on}. */
  static final List<String> DURABLE_SETTINGS = List.of("fsync", "synchronous_commit", "full_page_writes");

  /**
   * What {@code JdbcStorage.h2File} puts before the path, so that the setup's connections open the engine's file as
   * the engine does (H2 refuses one file under two file systems at once).
   */
  private static final String H2_ENGINE_URL_PREFIX = "jdbc:h2:retry:";
  /** The raw baseline's H2 file system: H2's default, as a plain JDBC application opens a file. */
  private static final String H2_RAW_URL_PREFIX = "jdbc:h2:file:";

  private final StoreKind kind;
  private final Path dir;
  private final EmbeddedPostgres postgres;

  private BenchDatabase(StoreKind kind, Path dir, EmbeddedPostgres postgres) {
    this.kind = kind;
    this.dir = dir;
    this.postgres = postgres;
  }

  /**
   * Creates the directory and, for PostgreSQL, starts the server on a copy of the template cluster (which holds the
   * two databases) and checks that its commits are durable.
   *
   * @throws IllegalStateException if the PostgreSQL server does not report durable commits
   */
  public static BenchDatabase open(StoreKind kind) throws IOException, SQLException {
    Path dir = Files.createTempDirectory("loyalty-bench-" + kind.name().toLowerCase());
    if (kind != StoreKind.POSTGRES) {
      return new BenchDatabase(kind, dir, null);
    }
    Path data = dir.resolve("pgdata");
    copy(template(), data);
    EmbeddedPostgres postgres = durable(EmbeddedPostgres.builder().setDataDirectory(data)
        .setCleanDataDirectory(false)).start();
    BenchDatabase database = new BenchDatabase(kind, dir, postgres);
    try {
      checkDurable(postgres);
    } catch (SQLException | RuntimeException e) {
      database.close();
      throw e;
    }
    return database;
  }

  /**
   * Starts a server of its own (in a temporary data directory, deleted when it stops) with durable commits, and checks
   * them: for benchmarks that fill their own server, such as {@link LeaderboardBenchmark}.
   *
   * @throws IllegalStateException if the server does not report durable commits (it is stopped)
   */
  static EmbeddedPostgres startDurable() throws IOException, SQLException {
    EmbeddedPostgres postgres = durable(EmbeddedPostgres.builder()).start();
    try {
      checkDurable(postgres);
    } catch (SQLException | RuntimeException e) {
      postgres.close();
      throw e;
    }
    return postgres;
  }

  /**
   * Reads {@link #DURABLE_SETTINGS} back from {@code postgres}.
   *
   * @throws IllegalStateException if one is not {@code on}
   */
  private static void checkDurable(EmbeddedPostgres postgres) throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      for (String setting : DURABLE_SETTINGS) {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
          rs.next();
          if (!"on".equals(rs.getString(1))) {
            throw new IllegalStateException("PostgreSQL started with " + setting + "=" + rs.getString(1)
                + ": commits would not be durable");
          }
        }
      }
    }
  }

  /** The server settings of every benchmark's server: durable commits (zonky's defaults turn them off). */
  private static EmbeddedPostgres.Builder durable(EmbeddedPostgres.Builder builder) {
    return builder
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on");
  }

  /**
   * A cluster made once per machine (in the temporary directory) holding the empty databases {@code engine} and
   * {@code raw}, shut down cleanly. Each trial starts a copy of it: initdb and CREATE DATABASE sync every file they
   * write, which takes seconds on a slow disk, while a copy does not need to (a cleanly shut down cluster starts
   * without recovery, and from then on the server syncs what it writes).
   */
  private static Path template() throws IOException, SQLException {
    Path template = Path.of(System.getProperty("java.io.tmpdir"), "loyalty-bench-pg-template-v1");
    if (Files.isRegularFile(template.resolve("postgresql.conf"))) {
      return template;
    }
    Path building = Files.createTempDirectory("loyalty-bench-pg-template-");
    // No postgresql.conf yet: zonky runs initdb, and keeps the directory when the server stops.
    try (EmbeddedPostgres postgres = durable(EmbeddedPostgres.builder().setDataDirectory(building)
        .setCleanDataDirectory(false)).start();
        Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE engine");
      s.execute("CREATE DATABASE raw");
    }
    try {
      Files.move(building, template, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      // Another run made it meanwhile: use that one.
      delete(building);
    }
    return template;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else if (!file.getFileName().toString().equals("postmaster.pid")) {
          Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    // PostgreSQL refuses a data directory that others can read.
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
  }

  /** The kind of store. */
  public StoreKind kind() {
    return kind;
  }

  /** A new storage on the engine's database, for an engine to own (it closes the storage). */
  public Storage engineStorage() {
    return switch (kind) {
      case IN_MEMORY -> new InMemoryStorage();
      case H2 -> JdbcStorage.h2File(dir.resolve("engine"));
      case POSTGRES -> JdbcStorage.builder().url(postgres.getJdbcUrl("postgres", "engine")).build();
    };
  }

  /**
   * A new connection to the engine's database, for setting up content in one host transaction.
   *
   * @throws IllegalStateException on {@link StoreKind#IN_MEMORY}, which has no connections
   */
  public Connection engineConnection() throws SQLException {
    return switch (kind) {
      case IN_MEMORY -> throw new IllegalStateException("the in-memory store has no connections");
      case H2 -> DriverManager.getConnection(h2Url("engine"));
      case POSTGRES -> DriverManager.getConnection(postgres.getJdbcUrl("postgres", "engine"));
    };
  }

  /**
   * A new connection to the baseline's database (auto-commit on), for one thread.
   *
   * @throws IllegalStateException on {@link StoreKind#IN_MEMORY}, whose baseline has no database
   */
  public Connection rawConnection() throws SQLException {
    return switch (kind) {
      case IN_MEMORY -> throw new IllegalStateException("the in-memory baseline is plain Java, without a database");
      case H2 -> DriverManager.getConnection(h2Url("raw"));
      case POSTGRES -> DriverManager.getConnection(postgres.getJdbcUrl("postgres", "raw"));
    };
  }

  /** The durable URL of the H2 file {@code name} in this directory (the engine's storage opens "engine" too). */
  private String h2Url(String name) {
    return (name.equals("engine") ? H2_ENGINE_URL_PREFIX : H2_RAW_URL_PREFIX)
        + dir.resolve(name).toAbsolutePath().normalize() + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000";
  }

  /** Stops the server, if any, and deletes the files. Close the engine and the connections first. */
  @Override
  public void close() throws IOException {
    try {
      if (postgres != null) {
        postgres.close();
      }
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
