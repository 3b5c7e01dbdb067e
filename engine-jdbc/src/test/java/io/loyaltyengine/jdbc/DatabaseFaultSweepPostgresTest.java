package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;

/**
 * {@link DatabaseFaultSweepTestBase} on PostgreSQL (embedded).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DatabaseFaultSweepPostgresTest extends DatabaseFaultSweepTestBase {
  private String database;

  @Override
  HikariDataSource openPool() {
    database = EmbeddedPostgresServer.createDatabase();
    return EmbeddedPostgresServer.pool(database, 4);
  }

  @Override
  void closeDatabase() {
    EmbeddedPostgresServer.dropDatabase(database);
  }
}
