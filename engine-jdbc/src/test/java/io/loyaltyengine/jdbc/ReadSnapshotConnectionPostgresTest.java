package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
