package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A read at one snapshot on a host's PostgreSQL pool that hands connections out with auto-commit off and a
 * transaction already begun: HikariCP with a {@code connectionTestQuery} runs it on a connection it validates at
 * checkout and, unless {@code isolateInternalQueries} is set, leaves that transaction open. The engine's writes run
 * on such a pool as on any other; its reads must too, still at one snapshot.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ReadSnapshotConnectionPostgresTest {
  /** HikariCP's window within which a connection used last is handed out unvalidated; -1: always validated. */
  private static final String ALIVE_BYPASS_WINDOW = "com.zaxxer.hikari.aliveBypassWindowMs";

  private final String database = EmbeddedPostgresServer.createDatabase();
  private HikariDataSource pool;
  private JdbcStorage storage;

  @AfterEach
  void close() {
    if (storage != null) {
      storage.close();
    }
    if (pool != null) {
      pool.close();
    }
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Test
  void aReadWorksOnAHostPoolWhoseValidationQueryLeavesATransactionOpen() {
    pool = validatingPool();
    storage = JdbcStorage.builder().dataSource(pool).build();
    Tenant tenant = new Tenant(1, "Pooled", TenantType.BUSINESS, Instant.parse("2026-03-01T00:00:00Z"), null);
    storage.inTransaction(tx -> {
      tx.tenants().insert(tenant);
      return null;
    });

    assertEquals(Optional.of(tenant), storage.inReadTransaction(tx -> tx.tenants().find(1)));
    assertEquals(List.of(Optional.of(tenant), Optional.empty()), storage.inReadTransaction(tx -> List.of(
        tx.tenants().find(1), tx.tenants().find(2))), "a second read on the same connection");
  }

  /**
   * pgjdbc's {@code autosave} (always, or conservative) sends a savepoint before a transaction's statements, after
   * which PostgreSQL refuses {@code SET TRANSACTION} (25001): every read failed as STORAGE_UNAVAILABLE, while writes
   * worked. The read must still work, and still see one snapshot.
   */
  @ParameterizedTest
  @ValueSource(strings = {"always", "conservative"})
  void aReadWorksAtOneSnapshotOnAUrlWithPgjdbcAutosave(String autosave) {
    String url = EmbeddedPostgresServer.url(database);
    storage = JdbcStorage.builder().url(url + (url.contains("?") ? "&" : "?") + "autosave=" + autosave).build();
    Tenant first = new Tenant(1, "First", TenantType.BUSINESS, Instant.parse("2026-03-01T00:00:00Z"), null);
    Tenant second = new Tenant(2, "Second", TenantType.BUSINESS, Instant.parse("2026-03-01T00:00:00Z"), null);
    insert(first);

    List<Optional<Tenant>> read = storage.inReadTransaction(tx -> {
      Optional<Tenant> before = tx.tenants().find(1);
      insertElsewhere(second);
      return List.of(before, tx.tenants().find(2));
    });
    assertEquals(List.of(Optional.of(first), Optional.empty()), read, "one snapshot: the commit between is unseen");
    assertEquals(Optional.of(second), storage.inReadTransaction(tx -> tx.tenants().find(2)), "seen by the next read");
  }

  private void insert(Tenant tenant) {
    storage.inTransaction(tx -> {
      tx.tenants().insert(tenant);
      return null;
    });
  }

  /** Inserts on a thread of its own, so on a connection other than the calling read's. */
  private void insertElsewhere(Tenant tenant) {
    CompletableFuture.runAsync(() -> insert(tenant)).join();
  }

  /** One connection, auto-commit off, validated with a query at every checkout. */
  private HikariDataSource validatingPool() {
    String before = System.getProperty(ALIVE_BYPASS_WINDOW);
    System.setProperty(ALIVE_BYPASS_WINDOW, "-1");
    try {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(EmbeddedPostgresServer.url(database));
      config.setMaximumPoolSize(1);
      config.setAutoCommit(false);
      config.setConnectionTestQuery("SELECT 1");
      return new HikariDataSource(config);
    } finally {
      if (before == null) {
        System.clearProperty(ALIVE_BYPASS_WINDOW);
      } else {
        System.setProperty(ALIVE_BYPASS_WINDOW, before);
      }
    }
  }
}
