package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;

/**
 * {@link GroupCommitBulkFaultTestBase} on PostgreSQL (embedded).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class GroupCommitBulkFaultPostgresTest extends GroupCommitBulkFaultTestBase {
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
