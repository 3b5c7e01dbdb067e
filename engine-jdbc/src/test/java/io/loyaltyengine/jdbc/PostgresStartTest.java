package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Starting on PostgreSQL from a URL: detection, durability warnings, and driver messages free of row values. */
class PostgresStartTest {
  private final String database = EmbeddedPostgresServer.createDatabase();

  @AfterEach
  void dropDatabase() {
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Test
  void theDialectIsDetectedAndAServerThatCanLoseCommitsIsReported() {
    // The embedded test server runs with fsync and synchronous_commit off, for speed.
    String log = StderrCapture.capture(() -> {
      try (JdbcStorage storage = JdbcStorage.builder().url(EmbeddedPostgresServer.url(database)).build()) {
        assertEquals(SqlDialect.POSTGRESQL, storage.dialect());
      }
    });
    assertTrue(log.contains("uses dialect POSTGRESQL (detected from database product 'PostgreSQL')"), log);
    assertTrue(log.contains("WARN") && log.contains("fsync=off"), log);
    assertTrue(log.contains("synchronous_commit=off"), log);
  }

  /** H2 set for PostgreSQL is refused naming the setting, where the H2 checks' first statement failed (42883). */
  @Test
  void aDialectSetForAnotherDatabaseIsRefusedNamingTheSetting() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().url(EmbeddedPostgresServer.url(database)).dialect(SqlDialect.H2).build());
    assertEquals("dialect was set to H2 but the database is POSTGRESQL (product 'PostgreSQL'): leave dialect unset"
        + " to detect it, or set POSTGRESQL", e.getMessage());
    try (JdbcStorage storage = JdbcStorage.builder().url(EmbeddedPostgresServer.url(database))
        .dialect(SqlDialect.POSTGRESQL).build()) {
      assertEquals(SqlDialect.POSTGRESQL, storage.dialect());
    }
  }

  @Test
  void rowValuesStayOutOfTheDriversMessages() {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");
    try (JdbcStorage storage = JdbcStorage.builder().url(EmbeddedPostgresServer.url(database)).build()) {
      storage.inTransaction(tx -> {
        tx.tenants().insert(new Tenant(1, "Acme", TenantType.BUSINESS, now));
        tx.brands().insert(new Brand(2, 1, "Shop", "private-domain.example.com", now));
        return null;
      });
      UniqueViolationException e = assertThrows(UniqueViolationException.class, () -> storage.inTransaction(tx -> {
        tx.brands().insert(new Brand(3, 1, "Shop", "private-domain.example.com", now));
        return null;
      }));
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains("private-domain"), t.toString());
      }
    }
  }
}
