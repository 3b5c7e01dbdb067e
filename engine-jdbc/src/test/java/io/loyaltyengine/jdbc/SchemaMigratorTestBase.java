package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.jdbc.internal.Migration;
import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import io.loyaltyengine.jdbc.internal.Sql;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schema migrator on each database: a fresh database is migrated, a migrated one left alone, an older one
 * upgraded, a newer or altered one refused, VALIDATE changes nothing, and instances migrating at once apply each
 * version exactly once.
 *
 * <p>Older and newer schemas are simulated with a test-only script set: the engine's V1 (byte for byte) plus a V2,
 * in a temporary directory read through a class loader of its own.
 */
abstract class SchemaMigratorTestBase {
  private final Path scripts = TestFiles.newDirectory("loyalty-scripts-");
  private ClassLoader twoVersions;

  /** The dialect under test. */
  abstract SqlDialect dialect();

  /** A DataSource on a fresh, empty database; a new pool on the same database each call after the first. */
  abstract DataSource dataSource();

  /** Drops the database and closes what {@link #dataSource()} opened. */
  abstract void closeDatabase();

  /** The V2 of the test-only script set. */
  abstract String secondVersion();

  @BeforeEach
  void writeTestScripts() {
    twoVersions = scriptSet("schema", secondVersion(), false);
  }

  @AfterEach
  void cleanUp() {
    closeDatabase();
    TestFiles.delete(scripts);
  }

  Sql sql() {
    return new Sql(dialect());
  }

  SchemaMigrator engineMigrator() {
    return new SchemaMigrator(dataSource(), sql());
  }

  SchemaMigrator twoVersionMigrator() {
    return new SchemaMigrator(dataSource(), sql(), "schema", twoVersions);
  }

  /** A class loader with {@code <root>/<dialect>/}: the engine's V1 (or a changed copy) and {@code v2}. */
  ClassLoader scriptSet(String root, String v2, boolean changeV1) {
    try {
      Path directory = Files.createDirectories(scripts.resolve(root).resolve(dialect().scriptDirectory()));
      String v1 = engineScript("V1__foundation.sql") + (changeV1 ? "\n-- edited by hand\n" : "");
      Files.writeString(directory.resolve("V1__foundation.sql"), v1);
      Files.writeString(directory.resolve("V2__extra_table.sql"), v2);
      Files.writeString(directory.resolve("migrations.txt"), "V1__foundation.sql\nV2__extra_table.sql\n");
      return new URLClassLoader(new URL[] {scripts.toUri().toURL()}, null);
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String engineScript(String name) {
    String resource = SchemaMigrator.DEFAULT_LOCATION + "/" + dialect().scriptDirectory() + "/" + name;
    try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Integer> versions(List<Migration> migrations) {
    return migrations.stream().map(Migration::version).toList();
  }

  long query(String sql) {
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      assertTrue(rs.next());
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  void execute(String sql) {
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aFreshDatabaseIsMigratedAndMigratingAgainChangesNothing() {
    assertEquals(List.of(1), versions(engineMigrator().migrate()));
    assertEquals(List.of(), engineMigrator().migrate());
    assertEquals(1, query("SELECT COUNT(*) FROM loyalty_schema_history"));
    assertEquals(0, query("SELECT COUNT(*) FROM ledger_entry"));
    try (JdbcStorage reopened = JdbcStorage.builder().dataSource(dataSource()).build()) {
      assertEquals(dialect(), reopened.dialect());
    }
    assertEquals(1, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void anOlderSchemaIsUpgraded() {
    engineMigrator().migrate();
    assertEquals(List.of(2), versions(twoVersionMigrator().migrate()));
    assertEquals(2, query("SELECT MAX(version) FROM loyalty_schema_history"));
    assertEquals(0, query("SELECT COUNT(*) FROM loyalty_test_extra"));
  }

  @Test
  void aNewerSchemaIsRefused() {
    twoVersionMigrator().migrate();
    String expected = "database schema version 2 is newer than this engine supports (1); upgrade the engine";
    assertEquals(expected, assertThrows(IllegalStateException.class, () -> engineMigrator().migrate()).getMessage());
    assertEquals(expected, assertThrows(IllegalStateException.class, () -> engineMigrator().validate()).getMessage());
    assertEquals(expected, assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(dataSource()).build()).getMessage());
  }

  @Test
  void aChangedScriptIsRefused() {
    engineMigrator().migrate();
    ClassLoader edited = scriptSet("edited", secondVersion(), true);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "edited", edited).migrate());
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    assertEquals(1, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void validateRefusesMissingVersionsListingThemAndAcceptsAMigratedSchema() {
    IllegalStateException empty = assertThrows(IllegalStateException.class, () -> engineMigrator().validate());
    assertTrue(empty.getMessage().contains("missing version(s) 1 (foundation)"), empty.getMessage());
    assertTrue(empty.getMessage().contains(dialect().scriptDirectory() + "/V1__foundation.sql"), empty.getMessage());
    engineMigrator().migrate();
    engineMigrator().validate();
    IllegalStateException older = assertThrows(IllegalStateException.class, () -> twoVersionMigrator().validate());
    assertTrue(older.getMessage().contains("missing version(s) 2 (extra table)"), older.getMessage());
    assertTrue(!older.getMessage().contains("1 (foundation)"), older.getMessage());
    assertEquals(1, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void instancesMigratingAtOnceApplyEachVersionExactlyOnce() throws Exception {
    int instances = 4;
    List<SchemaMigrator> migrators = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      migrators.add(twoVersionMigrator());
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(instances);
    try {
      List<Future<List<Migration>>> results = new ArrayList<>();
      for (SchemaMigrator migrator : migrators) {
        results.add(threads.submit(() -> {
          start.await();
          return migrator.migrate();
        }));
      }
      start.countDown();
      List<Integer> applied = new ArrayList<>();
      for (Future<List<Migration>> result : results) {
        applied.addAll(versions(result.get(60, TimeUnit.SECONDS)));
      }
      applied.sort(Integer::compare);
      assertEquals(List.of(1, 2), applied);
    } finally {
      threads.shutdownNow();
    }
    assertEquals(2, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }
}
