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
 * <p>Older and newer schemas are simulated with test-only script sets in a temporary directory, read through class
 * loaders of their own: the engine's versions (byte for byte) up to some version, plus a test-only next version. A
 * database of the engine's first version, with data in it, is upgraded to the current one.
 */
abstract class SchemaMigratorTestBase {
  private final Path scripts = TestFiles.newDirectory("loyalty-scripts-");
  private ClassLoader threeVersions;

  /** The dialect under test. */
  abstract SqlDialect dialect();

  /** A DataSource on a fresh, empty database; a new pool on the same database each call after the first. */
  abstract DataSource dataSource();

  /** Drops the database and closes what {@link #dataSource()} opened. */
  abstract void closeDatabase();

  /** The test-only version that follows the engine's: V3, creating table {@code loyalty_test_extra}. */
  abstract String extraVersion();

  @BeforeEach
  void writeTestScripts() {
    threeVersions = scriptSet("schema", extraVersion(), false);
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

  SchemaMigrator threeVersionMigrator() {
    return new SchemaMigrator(dataSource(), sql(), "schema", threeVersions);
  }

  /**
   * A class loader with {@code <root>/<dialect>/}: the engine's V1 (or a changed copy) and V2, and {@code v3}.
   */
  ClassLoader scriptSet(String root, String v3, boolean changeV1) {
    String v1 = engineScript("V1__foundation.sql") + (changeV1 ? "\n-- edited by hand\n" : "");
    return scriptSet(root, List.of("V1__foundation.sql", v1, "V2__events.sql", engineScript("V2__events.sql"),
        "V3__extra_table.sql", v3));
  }

  /** A class loader with {@code <root>/<dialect>/} holding the scripts given as (name, text) pairs, in order. */
  ClassLoader scriptSet(String root, List<String> namesAndTexts) {
    try {
      Path directory = Files.createDirectories(scripts.resolve(root).resolve(dialect().scriptDirectory()));
      StringBuilder index = new StringBuilder();
      for (int i = 0; i < namesAndTexts.size(); i += 2) {
        Files.writeString(directory.resolve(namesAndTexts.get(i)), namesAndTexts.get(i + 1));
        index.append(namesAndTexts.get(i)).append('\n');
      }
      Files.writeString(directory.resolve("migrations.txt"), index.toString());
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
    assertEquals(List.of(1, 2), versions(engineMigrator().migrate()));
    assertEquals(List.of(), engineMigrator().migrate());
    assertEquals(2, query("SELECT COUNT(*) FROM loyalty_schema_history"));
    assertEquals(0, query("SELECT COUNT(*) FROM ledger_entry"));
    assertEquals(0, query("SELECT COUNT(*) FROM event_outbox"));
    try (JdbcStorage reopened = JdbcStorage.builder().dataSource(dataSource()).build()) {
      assertEquals(dialect(), reopened.dialect());
    }
    assertEquals(2, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void anOlderSchemaIsUpgraded() {
    engineMigrator().migrate();
    assertEquals(List.of(3), versions(threeVersionMigrator().migrate()));
    assertEquals(3, query("SELECT MAX(version) FROM loyalty_schema_history"));
    assertEquals(0, query("SELECT COUNT(*) FROM loyalty_test_extra"));
  }

  @Test
  void aVersionOneDatabaseWithDataIsUpgradedToEvents() {
    ClassLoader firstOnly = scriptSet("first", List.of("V1__foundation.sql", engineScript("V1__foundation.sql")));
    assertEquals(List.of(1), versions(new SchemaMigrator(dataSource(), sql(), "first", firstOnly).migrate()));
    execute("INSERT INTO tenant (tenant_id, name, type, created_at) VALUES (1, 'Acme', 'BUSINESS',"
        + " TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
    execute("INSERT INTO brand (tenant_id, brand_id, name, domain, created_at) VALUES (1, 2, 'Shop',"
        + " 'shop.example.com', TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
    execute("INSERT INTO campaign (tenant_id, campaign_id, brand_id, name, status, visibility, time_zone, created_at)"
        + " VALUES (1, 3, 2, 'Spring', 'IN_PROGRESS', 'PUBLIC', 'UTC', TIMESTAMP WITH TIME ZONE"
        + " '2024-01-01 00:00:00+00')");
    execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, metadata,"
        + " search_text, points_balance, lifetime_points, created_at, updated_at) VALUES (1, 4, 3, 'a@example.com',"
        + " 'a@example.com', '{}', 'a@example.com', 7, 7, TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00',"
        + " TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");

    assertEquals(List.of(2), versions(engineMigrator().migrate()));
    assertEquals(0, query("SELECT event_sequence FROM participant WHERE tenant_id = 1 AND participant_id = 4"));
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build()) {
      assertEquals(7L, upgraded.inTransaction(tx -> tx.participants().find(1, 4)).orElseThrow().pointsBalance());
      assertEquals(1L, (long) upgraded.inTransaction(tx -> tx.events().nextSequence(1, 4)));
      assertEquals(8L, upgraded.inTransaction(tx -> tx.ledger().credit(1, 4, 1)).orElseThrow().balance());
      assertEquals(2L, (long) upgraded.inTransaction(tx -> tx.events().nextSequence(1, 4)));
      assertEquals(List.of(), upgraded.inTransaction(tx -> tx.events().tenantsWithUnpositionedEvents(0, 10)));
    }
  }

  @Test
  void aNewerSchemaIsRefused() {
    threeVersionMigrator().migrate();
    String expected = "database schema version 3 is newer than this engine supports (2); upgrade the engine";
    assertEquals(expected, assertThrows(IllegalStateException.class, () -> engineMigrator().migrate()).getMessage());
    assertEquals(expected, assertThrows(IllegalStateException.class, () -> engineMigrator().validate()).getMessage());
    assertEquals(expected, assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(dataSource()).build()).getMessage());
  }

  @Test
  void aChangedScriptIsRefused() {
    engineMigrator().migrate();
    ClassLoader edited = scriptSet("edited", extraVersion(), true);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "edited", edited).migrate());
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    assertEquals(2, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void validateRefusesMissingVersionsListingThemAndAcceptsAMigratedSchema() {
    IllegalStateException empty = assertThrows(IllegalStateException.class, () -> engineMigrator().validate());
    assertTrue(empty.getMessage().contains("missing version(s) 1 (foundation)"), empty.getMessage());
    assertTrue(empty.getMessage().contains(dialect().scriptDirectory() + "/V1__foundation.sql"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 2 (events) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V2__events.sql]"), empty.getMessage());
    engineMigrator().migrate();
    engineMigrator().validate();
    IllegalStateException older = assertThrows(IllegalStateException.class, () -> threeVersionMigrator().validate());
    assertTrue(older.getMessage().contains("missing version(s) 3 (extra table)"), older.getMessage());
    assertTrue(!older.getMessage().contains("1 (foundation)"), older.getMessage());
    assertEquals(2, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void instancesMigratingAtOnceApplyEachVersionExactlyOnce() throws Exception {
    int instances = 4;
    List<SchemaMigrator> migrators = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      migrators.add(threeVersionMigrator());
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
      assertEquals(List.of(1, 2, 3), applied);
    } finally {
      threads.shutdownNow();
    }
    assertEquals(3, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }
}
