package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.jdbc.internal.Migration;
import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.tenant.NewTenant;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The schema migrator on the embedded PostgreSQL: several pools on one database stand for several instances. */
class PostgresSchemaMigratorTest extends SchemaMigratorTestBase {
  /** A value a driver's message may quote: a failing row's email. */
  private static final String QUOTED = "ann.private@example.com";

  /** A Greek single-byte encoding, in which a participant's Greek email is stored as in UTF8. */
  private static final String WIN1253 = " TEMPLATE template0 ENCODING 'WIN1253' LOCALE 'C'";

  /** A Western single-byte encoding, which has no Greek letter. */
  private static final String LATIN1 = " TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'";

  /** The test's database: a UTF8 one, or another made by the test before it first connects. */
  private String database = EmbeddedPostgresServer.createDatabase();
  private final List<HikariDataSource> pools = new ArrayList<>();

  @Override
  SqlDialect dialect() {
    return SqlDialect.POSTGRESQL;
  }

  @Override
  DataSource dataSource() {
    HikariDataSource pool = EmbeddedPostgresServer.pool(database, 2);
    pools.add(pool);
    return pool;
  }

  @Override
  void closeDatabase() {
    pools.forEach(HikariDataSource::close);
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Override
  String extraVersion() {
    return "CREATE TABLE loyalty_test_extra (\n  tenant_id bigint NOT NULL,\n  note text,\n"
        + "  CONSTRAINT pk_loyalty_test_extra PRIMARY KEY (tenant_id)\n);\n";
  }

  /**
   * The final-sigma version in a database whose encoding is not UTF8 but holds Greek (WIN1253, ISO_8859_7): the
   * engine now looks "νίκος.α@example.gr" up as "νίκοσ.α@example.gr", so a stored email left with its final sigma
   * would be found by email no more, and its owner could enrol a second time.
   */
  /**
   * An instance that finds another migrating waits for it to end, also where the DBA set a low lock_timeout for the
   * database (or the role): the wait for the migration lock is a lock wait, and the migrator failed after
   * lock_timeout with "schema migration failed (SQLState 55P03)", so the second of two instances starting together
   * during an upgrade could not start while the first applied a long version.
   */
  @Test
  void aMigrationWaitsForAnotherInstancesUnderTheDatabasesLockTimeout() throws Exception {
    try (Connection admin = EmbeddedPostgresServer.connect(database); Statement statement = admin.createStatement()) {
      statement.execute("ALTER DATABASE " + database + " SET lock_timeout = '10ms'");
    }
    SchemaMigrator migrator = engineMigrator();
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try (Connection other = EmbeddedPostgresServer.connect(database);
        Statement statement = other.createStatement()) {
      // The migrator's lock key, "loyaltyS" in ASCII: another instance migrating.
      statement.execute("SELECT pg_advisory_lock(x'6C6F79616C747953'::bigint)");
      Future<List<Migration>> migrated = thread.submit(migrator::migrate);
      awaitAnAdvisoryLockWaitOr(migrated);
      statement.execute("SELECT pg_advisory_unlock(x'6C6F79616C747953'::bigint)");
      assertEquals(migrator.latestVersion(), migrated.get().size());
    } finally {
      thread.shutdownNow();
    }
  }

  /** Polls until a session of the database waits for an advisory lock, or until {@code work} is done. */
  private void awaitAnAdvisoryLockWaitOr(Future<?> work) {
    // A guard against a hang, not a measurement.
    assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
      try (Connection c = EmbeddedPostgresServer.connect(database); Statement s = c.createStatement()) {
        while (!work.isDone()) {
          try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE datname ="
              + " current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
              return;
            }
          }
        }
      }
    });
  }

  @Test
  void aGreekEncodedDatabaseIsUpgradedSoThatTheLocalPartsFinalSigmaIsFoldedToo() {
    EmbeddedPostgresServer.dropDatabase(database);
    database = EmbeddedPostgresServer.createDatabase(WIN1253);
    assertEquals(1, query("SELECT COUNT(*) FROM pg_database WHERE datname = current_database()"
        + " AND pg_encoding_to_char(encoding) = 'WIN1253'"));
    aDatabaseWithGreekEmailsIsUpgradedSoThatTheLocalPartsFinalSigmaIsFolded();
    // V17 folded search texts in UTF8 databases only; the same version folds those it left here.
    assertEquals(0, query("SELECT COUNT(*) FROM participant WHERE search_text LIKE '%ς%'"));
    assertEquals(6, query("SELECT COUNT(*) FROM participant WHERE search_text LIKE '%σ%'"));
  }

  /**
   * A database in an encoding without Greek letters is migrated like any other: the versions folding the Greek final
   * sigma leave it as it is (it holds no Greek), but their scripts must reach it, which a Greek letter anywhere in
   * their text, comments included, did not (the server refused the whole script: no equivalent in LATIN1).
   */
  @Test
  void aLatinOneDatabaseIsMigrated() {
    EmbeddedPostgresServer.dropDatabase(database);
    database = EmbeddedPostgresServer.createDatabase(LATIN1);
    assertEquals(versionsFrom(1), versions(engineMigrator().migrate()));
    assertEquals(List.of(), engineMigrator().migrate());
  }

  /**
   * A search for an accented name works in a LATIN1 database: a search is matched in its decomposed form too (for
   * search texts stored before they were normalized), and LATIN1 has no combining accent, so that form must not reach
   * the server, which refuses a text it cannot convert.
   */
  @Test
  void aLatinOneDatabaseFindsAnAccentedNameBySearch() {
    EmbeddedPostgresServer.dropDatabase(database);
    database = EmbeddedPostgresServer.createDatabase(LATIN1);
    try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(JdbcStorage.builder().dataSource(dataSource())
        .build()).events(EventSettings.builder().manualDispatch().build()).build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Caf\u00E9")).id());
      Campaign campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Caf\u00E9", "https://cafe.example.com")).id(), "Points"));
      Participant elodie = scope.participants().create(campaign.id(),
          NewParticipant.withEmail("elodie@example.com").withName("\u00C9lodie", "M\u00FCller"));
      for (String search : List.of("\u00E9lodie", "\u00C9LODIE", "m\u00FCller", "elodie@")) {
        assertEquals(List.of(elodie), scope.participants().list(campaign.id(), ParticipantFilter.search(search),
            Keyset.first(10)).items(), search);
      }
    }
  }

  /**
   * V17's comments changed (its Greek examples broke it in LATIN1 databases), its statements did not: a database that
   * applied the former text, recorded with that text's checksum, is accepted by the engine as it is.
   */
  @Test
  void aDatabaseThatAppliedVersionSeventeensFormerTextIsAccepted() {
    assertEquals(versionsFrom(1), versions(engineMigrator().migrate()));
    execute("UPDATE loyalty_schema_history SET checksum ="
        + " 'e49b84d7c738ade89b467177006561057def6a6e2109384bc0e208f3e916cd94' WHERE version = 17");
    assertEquals(List.of(), engineMigrator().migrate());
    engineMigrator().validate();
    JdbcStorage.builder().dataSource(dataSource()).build().close();
  }

  /**
   * A role that may not create tables (a DBA's application role; the schema migrated in a deployment step) starts in
   * MIGRATE, the default, once every version is applied: there is nothing to create, and the history table is not
   * made again.
   */
  @Test
  void aRoleWithoutCreateStartsInMigrateModeOnAnUpToDateSchema() throws SQLException {
    assertEquals(versionsFrom(1), versions(engineMigrator().migrate()));
    String role = "loyalty_app_" + database;
    execute("CREATE ROLE " + role + " LOGIN");
    try {
      execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
      execute("GRANT USAGE ON SCHEMA public TO " + role);
      execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
      String url = EmbeddedPostgresServer.url(database);
      assertTrue(url.contains("user=postgres"), url);
      try (HikariDataSource app = new HikariDataSource()) {
        app.setJdbcUrl(url.replace("user=postgres", "user=" + role));
        app.setMaximumPoolSize(2);
        assertEquals(List.of(), new SchemaMigrator(app, sql()).migrate());
        JdbcStorage.builder().dataSource(app).build().close();
      }
    } finally {
      execute("DROP OWNED BY " + role);
      execute("DROP ROLE " + role);
    }
  }

  @Test
  void aFailingVersionLeavesNothingBehind() {
    new SchemaMigrator(dataSource(), sql()).migrate();
    ClassLoader failing = scriptSet("failing", extraVersion() + "SELECT no_such_function();\n", false);
    StorageException e = assertThrows(StorageException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "failing", failing).migrate());
    assertTrue(e.getMessage().startsWith(
        "applying schema version " + EXTRA + " (extra table) failed (SQLState 42883"),
        e.getMessage());
    assertEquals(0, query("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'loyalty_test_extra'"));
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void aFailingVersionsErrorIsThrownWhenReleasingTheMigrationLockFailsToo() {
    new SchemaMigrator(dataSource(), sql()).migrate();
    ClassLoader failing = scriptSet("failing", extraVersion() + "SELECT no_such_function();\n", false);
    DataSource unlockFails = failing(dataSource(), new AtomicBoolean(), sql -> sql.contains("pg_advisory_unlock"),
        sql -> false);
    StorageException e = assertThrows(StorageException.class,
        () -> new SchemaMigrator(unlockFails, sql(), "failing", failing).migrate());
    assertTrue(e.getMessage().startsWith(
        "applying schema version " + EXTRA + " (extra table) failed (SQLState 42883"),
        "the migration's error, not the unlock's: " + e.getMessage());
    assertTrue(Arrays.stream(e.getSuppressed())
        .anyMatch(s -> s instanceof SQLException sql && "57P01".equals(sql.getSQLState())),
        "the unlock's error is kept beside it: " + Arrays.toString(e.getSuppressed()));
    assertTrue(Arrays.stream(e.getSuppressed()).noneMatch(s -> s.getMessage().contains("unlock refused")),
        "as a redacted copy, as the version's own error is: " + Arrays.toString(e.getSuppressed()));
  }

  /**
   * The failures of the cleanup after a failing version (its rollback, auto-commit back on, the unlock), kept beside
   * the version's error, keep what their driver messages quote (a row's email here) out of it, as its own cause does.
   */
  @Test
  void theCleanupFailuresKeptBesideAMigrationErrorHoldNoValuesTheyQuote() {
    new SchemaMigrator(dataSource(), sql()).migrate();
    ClassLoader failing = scriptSet("failing", extraVersion() + "SELECT no_such_function();\n", false);
    DataSource losing =
        failing(dataSource(), new AtomicBoolean(), sql -> false, sql -> sql.contains("no_such_function"));
    StorageException e = assertThrows(StorageException.class,
        () -> new SchemaMigrator(losing, sql(), "failing", failing).migrate());
    assertTrue(e.getSuppressed().length >= 2, "the rollback's and the unlock's failures: " + e);
    assertNoLinkQuotes(e);
    assertTrue(Arrays.stream(e.getSuppressed()).allMatch(s -> s instanceof SQLException sql
        && "08006".equals(sql.getSQLState())), "each keeps its SQLState: " + Arrays.toString(e.getSuppressed()));
  }

  @Test
  void theUnlockFailureKeptBesideARefusedNewerSchemaHoldsNoValueItQuotes() {
    extraVersionMigrator().migrate();
    DataSource unlockFails = failing(dataSource(), new AtomicBoolean(), sql -> sql.contains("pg_advisory_unlock"),
        sql -> false);
    IllegalStateException newer = assertThrows(IllegalStateException.class,
        () -> new SchemaMigrator(unlockFails, sql()).migrate());
    assertEquals(1, newer.getSuppressed().length, "the unlock's failure: " + newer);
    assertNoLinkQuotes(newer);
  }

  private static void assertNoLinkQuotes(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    collect(failure, chain);
    for (Throwable t : chain) {
      assertFalse(String.valueOf(t.getMessage()).contains(QUOTED),
          "a link of the failure quotes a value: " + t.getClass().getName() + ": " + t.getMessage());
    }
  }

  @Test
  void aFailingVersionsErrorIsThrownWhenItsConnectionIsLostThen() {
    new SchemaMigrator(dataSource(), sql()).migrate();
    ClassLoader failing = scriptSet("failing", extraVersion() + "SELECT no_such_function();\n", false);
    AtomicBoolean lost = new AtomicBoolean();
    // The script fails, and from then on every call on its connection (rollback, auto-commit, unlock) fails too.
    DataSource losing = failing(dataSource(), lost, sql -> false, sql -> sql.contains("no_such_function"));
    StorageException e = assertThrows(StorageException.class,
        () -> new SchemaMigrator(losing, sql(), "failing", failing).migrate());
    assertTrue(lost.get());
    assertTrue(e.getMessage().startsWith(
        "applying schema version " + EXTRA + " (extra table) failed (SQLState 42883"),
        "the migration's error, not a later one: " + e.getMessage());
  }

  /**
   * {@code dataSource}, whose connections' statements refuse the SQL {@code refused} accepts instead of running it,
   * set {@code lost} after running the SQL {@code losing} accepts, and whose connections fail every call but
   * {@code close} (and their statements every execution) once {@code lost} is set.
   */
  private static DataSource failing(DataSource dataSource, AtomicBoolean lost, Predicate<String> refused,
      Predicate<String> losing) {
    return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          Object result = invoke(dataSource, method, args);
          return result instanceof Connection c ? failing(c, lost, refused, losing) : result;
        });
  }

  private static Connection failing(Connection connection, AtomicBoolean lost, Predicate<String> refused,
      Predicate<String> losing) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (lost.get() && !method.getName().equals("close")) {
            throw new SQLException("connection lost after row (" + QUOTED + ")", "08006");
          }
          Object result = invoke(connection, method, args);
          return result instanceof Statement s && !(result instanceof java.sql.PreparedStatement)
              ? failing(s, lost, refused, losing) : result;
        });
  }

  private static Statement failing(Statement statement, AtomicBoolean lost, Predicate<String> refused,
      Predicate<String> losing) {
    return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {Statement.class},
        (proxy, method, args) -> {
          if (method.getName().startsWith("execute") && args != null && args[0] instanceof String sql) {
            if (lost.get()) {
              throw new SQLException("connection lost after row (" + QUOTED + ")", "08006");
            }
            if (refused.test(sql)) {
              throw new SQLException("unlock refused after row (" + QUOTED + ")", "57P01");
            }
            try {
              return invoke(statement, method, args);
            } finally {
              lost.compareAndSet(false, losing.test(sql));
            }
          }
          return invoke(statement, method, args);
        });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
